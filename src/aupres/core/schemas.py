"""`Out`: the base of the API's output schemas that the services build as dicts (D77, issue #15).

ninja's `Schema` wraps what it validates in a getter that reads Django objects (related managers, callables,
dotted names): every field of every row then goes through Python, 1 ms for a page of 50 persons. A dict needs
none of it: a plain pydantic model validates it in pydantic's core. The schema and the OpenAPI document are
the same; a model instance given here instead of a dict is refused (ValidationError), not read."""

from pydantic import BaseModel


class Out(BaseModel):
    pass
