"""`make audit`: known vulnerabilities in the runtime dependencies, through pip-audit.

pip-audit asks an advisory service about each installed package. When the service cannot be
reached it does not fail: it skips the package ("could not be audited") and exits 0, which
would read as "no known vulnerability". This script says plainly what was and was not checked,
and exits 2 when nothing could be checked: an audit that did not happen is not a pass.
"""

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = "\n".join(project["dependencies"]) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(requirements)
    requirements_file = Path(handle.name)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--requirement",
                str(requirements_file),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        requirements_file.unlink(missing_ok=True)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print(result.stderr.strip(), file=sys.stderr)
        print("AUDIT not done: pip-audit gave no report (the advisory service is unreachable?)")
        return 2
    packages = report.get("dependencies", [])
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {package['name']} {package['version']}: {vuln['id']} ({fixed})")
    print(
        f"AUDIT packages={len(packages)} checked={len(packages) - len(skipped)} "
        f"not_checked={len(skipped)} vulnerable={len(vulnerable)}"
    )
    if skipped and len(skipped) == len(packages):
        print(
            "AUDIT not done: the advisory service could not be reached from this machine, so "
            "no package was checked. Run `make audit` where it can be reached."
        )
        return 2
    if skipped:
        print("Not checked: " + ", ".join(p["name"] for p in skipped))
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
