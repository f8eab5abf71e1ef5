"""`field__any_of=[ids]`: membership in a long list of ids, as ONE parameter on PostgreSQL.

Django's `__in` prepares, adapts and binds every value of the list one by one: a region's thousand service ids
cost 13 ms of Python each time a query names them (five times in a region's figures, D74). `= ANY(%s)` passes the
list as one array; PostgreSQL plans it as it plans `IN (...)` (which it rewrites to `= ANY(ARRAY[...])`).
Elsewhere (SQLite) it is Django's `__in`, so the results are the same everywhere."""

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        values = [int(v) for v in self.rhs]  # ids only: anything else is a programming error, caught here
        if connection.vendor != "postgresql" or not values:
            return In(self.lhs, values).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Typed as the column: psycopg sends the smallest integer array that holds the values (int4[]), and
        # `bigint = ANY(int4[])` is not planned as the list is (no index condition: 150 ms instead of 60).
        return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", (*lhs_params, values)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep lookups of their own (Django reads them up to ForeignObject)
