"""Path parameter types for the routing table: what a path can name, checked before any handler runs.

Ids are 32-bit integer columns: a larger number in a path would make the database driver raise (a 500) in
whichever handler forgot to check. Here it becomes 0, an id no row has, so every route answers 404. Tokens
and slugs match only what we issue, so a NUL byte or other junk never reaches a query.
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, StringConvertor, register_url_convertor

from mobilize.models import MAX_ID


class IdConvertor(IntegerConvertor):
    regex = "[0-9]{1,10}"

    def convert(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0


class TokenConvertor(StringConvertor):
    regex = "[A-Za-z0-9_-]{1,100}"  # secrets.token_urlsafe output


class SlugConvertor(StringConvertor):
    regex = "[a-z0-9-]{1,64}"


def register() -> None:
    register_url_convertor("id", IdConvertor())
    register_url_convertor("token", TokenConvertor())
    register_url_convertor("slug", SlugConvertor())
