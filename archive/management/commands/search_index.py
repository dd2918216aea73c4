"""`manage.py search_index status|update|rebuild`: the search index beside PostgreSQL.

- status:  where the index is, how many letters it holds, the last change applied and how far
           behind the change log it is (pending changes, age of the oldest);
- update:  apply the pending changes (building the index first when it is missing, of
           another schema or database, or unreadable); `--follow` keeps applying them;
- rebuild: build a new index from every letter, then switch readers to it;
           `--choose-pair-words` first chooses again the frequent words of phrase pairs.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from archive.search import indexer


class Command(BaseCommand):
    help = "Show, update or rebuild the search index (derived from PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "update", "rebuild"])
        parser.add_argument(
            "--follow",
            type=float,
            metavar="SECONDS",
            help="With update: keep applying the change log every SECONDS.",
        )
        parser.add_argument(
            "--choose-pair-words",
            action="store_true",
            help=(
                "With rebuild: choose again, from the archive as it is now, the frequent "
                "words whose two-word phrases the index holds as pairs (every other index "
                "copy then rebuilds with them)."
            ),
        )

    def handle(self, *args, action, follow=None, choose_pair_words=False, **options):
        if action == "status":
            return self._status()
        if action == "rebuild":
            state = indexer.rebuild(progress=self._progress, choose_pair_words=choose_pair_words)
            self.stdout.write(
                f"Rebuilt: {state.letters} letters in {state.build_seconds:.1f} s "
                f"({indexer.current_dir()})."
            )
            return None
        while True:
            result = indexer.update()
            if result.rebuilt:
                self.stdout.write(
                    f"Built the index from PostgreSQL: {result.state.letters} letters in "
                    f"{result.state.build_seconds:.1f} s."
                )
            elif result.applied or follow is None:
                self.stdout.write(
                    f"Applied {result.changes} changes to {result.applied} letters; "
                    f"last change {result.state.last_change_id}."
                )
            if follow is None:
                return None
            if follow <= 0:
                raise CommandError("--follow needs a positive number of seconds.")
            time.sleep(follow)

    def _progress(self, letters: int) -> None:
        self.stderr.write(f"\r{letters} letters indexed", ending="")

    def _status(self) -> None:
        status = indexer.status()
        out = self.stdout.write
        if status.state is None:
            out(
                f"No usable index in {indexer.index_root()}: `manage.py search_index update` "
                "builds it from PostgreSQL."
            )
            out(f"Change log: last change {status.last_change_id}.")
            return
        state = status.state
        out(f"Index: {status.directory} ({status.size_bytes / 1e6:.1f} MB)")
        out(f"Letters indexed: {status.documents}")
        out(
            f"Built {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(state.built_at))} UTC "
            f"in {state.build_seconds:.1f} s; last update "
            f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(state.updated_at))} UTC"
        )
        out(f"Last change applied: {state.last_change_id} (change log at {status.last_change_id})")
        if status.pending_changes:
            out(
                f"Lag: {status.pending_changes} changes pending, the oldest "
                f"{status.oldest_pending_seconds:.0f} s old"
            )
        else:
            out("Lag: none (every committed change is applied)")
