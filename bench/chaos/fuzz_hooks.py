# Schemathesis hooks for bench/chaos/fuzz.ts (loaded through SCHEMATHESIS_HOOKS): point part of
# the well-formed path ids at objects the bench seeded, so GET/PATCH/DELETE by id reach real
# objects instead of 404, and keep long polls short. Malformed values are left as generated.
#
#   TESSERA_FUZZ_TARGETS     JSON {"<METHOD> <path template>": {"<param>": [ids...]}}
#   TESSERA_FUZZ_ID_PATTERN  the path id pattern of the OpenAPI document (without anchors)
import itertools
import json
import os
import re
from collections import defaultdict

import schemathesis

TARGETS = json.loads(os.environ.get("TESSERA_FUZZ_TARGETS", "{}"))
ID = re.compile(os.environ.get("TESSERA_FUZZ_ID_PATTERN", "[A-Za-z0-9._-]{1,128}"))
# Per operation and parameter: the run is seeded and sequential, so the rotation is reproducible.
TURNS = defaultdict(itertools.count)


def _label(context):
    op = context.operation
    return f"{op.method.upper()} {op.path}" if op is not None else ""


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    targets = TARGETS.get(_label(context), {})
    for name, ids in targets.items():
        value = path_parameters.get(name)
        if not isinstance(value, str) or not ids or not ID.fullmatch(value):
            continue
        # One turn in len(ids) + 1 keeps the generated id, the others take a seeded one.
        pick = next(TURNS[(_label(context), name)]) % (len(ids) + 1)
        if pick < len(ids):
            path_parameters[name] = ids[pick]
    return path_parameters


@schemathesis.hook
def map_query(context, query):
    # A well-formed waitSeconds of 2..300 would hold a request open that long; 1 keeps the wait path.
    if query and "waitSeconds" in query:
        value = query["waitSeconds"]
        text = str(value)
        if not isinstance(value, bool) and text.isdigit() and 1 < int(text) <= 300:
            query["waitSeconds"] = 1 if isinstance(value, int) else "1"
    return query
