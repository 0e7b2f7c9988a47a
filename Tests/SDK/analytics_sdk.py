#!/usr/bin/env python3
"""Dub's official Python SDK (`pip install dub`) against a running `dubql serve`.

    python3 Tests/SDK/analytics_sdk.py BASE_URL API_KEY

For every case, `Dub.analytics.retrieve(...)` must parse the server's answer into the SDK's own
models, and the parsed values must be the JSON the server sent (fetched again with urllib).
A 422 must come back as the SDK's `UnprocessableEntity` with Dub's message. Prints one line per
case (`ok <event> <groupBy> <rows>`) and exits 1 on the first failure.

The SDK's response type lists the 14 shapes of Dub's OpenAPI (count, timeseries, continents,
countries, regions, cities, devices, browsers, os, triggers, referers, referer_urls, top_links,
top_urls); the other groupBys (utm_*, top_base_urls, top_domains) fail to parse in the SDK
whatever the server sends, so they are not cases here.
"""

import json
import sys
import urllib.parse
import urllib.request

import dub
from dub import Dub
from dub.models import errors

CASES = [
    ({"event": "clicks"}, {}),
    ({"event": "leads"}, {}),
    ({"event": "composite"}, {}),
    ({"event": "clicks", "group_by": "timeseries"}, {"interval": "7d", "timezone": "America/New_York"}),
    ({"event": "composite", "group_by": "timeseries"}, {"interval": "24h", "timezone": "Asia/Kolkata"}),
    ({"event": "sales", "group_by": "timeseries"}, {"interval": "90d"}),
    ({"event": "clicks", "group_by": "continents"}, {}),
    ({"event": "sales", "group_by": "countries"}, {}),
    ({"event": "leads", "group_by": "regions"}, {}),
    ({"event": "sales", "group_by": "cities"}, {"country": "US"}),
    ({"event": "clicks", "group_by": "devices"}, {}),
    ({"event": "composite", "group_by": "browsers"}, {}),
    ({"event": "leads", "group_by": "os"}, {}),
    ({"event": "clicks", "group_by": "triggers"}, {}),
    ({"event": "sales", "group_by": "referers"}, {}),
    ({"event": "clicks", "group_by": "referer_urls"}, {}),
    ({"event": "composite", "group_by": "top_links"}, {}),
    ({"event": "sales", "group_by": "top_urls"}, {"interval": "all"}),
]

# The SDK's Python names of the query parameters, as the server spells them.
WIRE = {"group_by": "groupBy"}


def fail(message):
    print("FAIL " + message)
    sys.exit(1)


def raw(base, key, request):
    query = urllib.parse.urlencode({WIRE.get(k, k): v for k, v in request.items()})
    req = urllib.request.Request(base + "/analytics?" + query, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=20) as answer:
        return json.loads(answer.read())


def same(parsed, sent, where):
    """Every field the server sent is in the SDK's model with the same value (numbers as numbers)."""
    dumped = parsed.model_dump(by_alias=True)
    for name, value in sent.items():
        if name not in dumped:
            fail(f"{where}: the SDK dropped {name}")
        got = dumped[name]
        if hasattr(got, "value"):
            got = got.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if float(got) != float(value):
                fail(f"{where}: {name} is {got!r} in the SDK, {value!r} on the wire")
        elif got != value:
            fail(f"{where}: {name} is {got!r} in the SDK, {value!r} on the wire")


def main():
    base, key = sys.argv[1], sys.argv[2]
    sdk = Dub(token=key, server_url=base)
    for request, extra in CASES:
        request = dict(request, **extra)
        where = f"{request.get('event')} {request.get('group_by', 'count')}"
        parsed = sdk.analytics.retrieve(request=request)
        sent = raw(base, key, request)
        if isinstance(sent, dict):
            if isinstance(parsed, list):
                fail(f"{where}: the SDK read an object as a list")
            same(parsed, sent, where)
            print(f"ok {where} object")
            continue
        if not isinstance(parsed, list) or len(parsed) != len(sent):
            fail(f"{where}: {len(sent)} rows on the wire, the SDK has {parsed!r:.200}")
        if not sent:
            fail(f"{where}: no rows; the case tests nothing")
        for i, (p, s) in enumerate(zip(parsed, sent)):
            same(p, s, f"{where} row {i}")
        print(f"ok {where} {len(sent)}")
    # Dub's error body becomes the SDK's typed error, with the message.
    try:
        sdk.analytics.retrieve(request={"event": "clicks", "start": "notadate"})
        fail("a bad start was accepted")
    except errors.UnprocessableEntity as error:
        if "custom: start: Invalid date" not in str(error):
            fail(f"422 message: {error}")
        print("ok 422 UnprocessableEntity")
    print(f"the dub SDK parsed {len(CASES)} answers")


if __name__ == "__main__":
    main()
