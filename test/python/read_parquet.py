"""Reads a parquet file with pyarrow (not the writer's own code) and prints its
schema, field by field, and its rows as JSON."""

import json
import sys

import pyarrow.parquet as pq


def describe(t):
    """A pyarrow type as nested JSON: lists and structs spelled out."""
    import pyarrow as pa

    if pa.types.is_struct(t):
        return {"struct": [{"name": f.name, "type": describe(f.type)} for f in t]}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return {"list": describe(t.value_type)}
    return str(t)


def main():
    table = pq.read_table(sys.argv[1])
    schema = [{"name": f.name, "type": describe(f.type)} for f in table.schema]
    json.dump({"schema": schema, "rows": table.to_pylist()}, sys.stdout)


if __name__ == "__main__":
    main()
