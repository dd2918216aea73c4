"""Expressions PostgreSQL answers better than their ORM spelling."""

from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, BooleanField, Expression, Func


class EqualsAny(Func):
    """`value = ANY(array)`: PostgreSQL looks the array's values up in the value's index in
    one pass (it sorts the array), where `value IN (subquery)` may be answered by hashing
    the whole table, and one array is one parameter whatever its length.

    The claims of an agenda item's letters, looked up by the array of its letter ids: 16 ms
    of the item's page at a million letters by the join, 1.4 -> 0.3 ms at 100 000."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        value, array = self.get_source_expressions()
        value_sql, value_params = compiler.compile(value)
        array_sql, array_params = compiler.compile(array)
        return f"{value_sql} = ANY({array_sql})", (*value_params, *array_params)


class BigIntArray(Expression):
    """Integers as one `bigint[]` parameter, written as PostgreSQL's array literal in one
    string: a Value with an ArrayField output prepares each element in Python every time
    its statement is compiled, and the driver then checks each again (an admin search
    matching 69 000 letters: 1.7 M calls, ~2.5 s of its page; the literal takes ~10 ms)."""

    output_field = ArrayField(BigIntegerField())

    def __init__(self, values):
        super().__init__()
        self.literal = "{" + ",".join(str(int(value)) for value in values) + "}"

    def as_sql(self, compiler, connection):
        return "%s::bigint[]", [self.literal]
