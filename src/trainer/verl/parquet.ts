// Writes veRL data files (train.parquet, test.parquet) with hyparquet-writer.
// The schema is spelled out, not inferred, so that the nested columns come out
// as pyarrow writes them for TinyZero's rows: `prompt` a list of structs,
// `reward_model.ground_truth.numbers` a list of int64, both as standard 3-level
// LIST groups, every field nullable as pyarrow makes it.
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import type { CountdownRow } from '../../core/verl/rows';
import { writeFileAtomic } from '../../core/run/files';

const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
const int64 = (name: string): SchemaElement => ({ name, type: 'INT64', repetition_type: 'OPTIONAL' });
const group = (name: string, children: number): SchemaElement => ({ name, repetition_type: 'OPTIONAL', num_children: children });
/** A standard LIST: `name` (LIST) > `list` (repeated) > `element`. */
const list = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
];

/** Depth-first, as Parquet lists a schema. */
const SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: 5 },
  text('data_source'),
  ...list('prompt'),
  group('element', 2),
  text('role'),
  text('content'),
  text('ability'),
  group('reward_model', 2),
  text('style'),
  group('ground_truth', 2),
  int64('target'),
  ...list('numbers'),
  int64('element'),
  group('extra_info', 2),
  text('split'),
  int64('index'),
];

/** Parquet's INT64 values are bigints; each list element sits in a one-field `element` record. */
function columns(rows: readonly CountdownRow[]) {
  return [
    { name: 'data_source', data: rows.map((r) => r.data_source) },
    { name: 'prompt', data: rows.map((r) => r.prompt.map((m) => ({ role: m.role, content: m.content }))) },
    { name: 'ability', data: rows.map((r) => r.ability) },
    {
      name: 'reward_model',
      data: rows.map((r) => ({
        style: r.reward_model.style,
        ground_truth: { target: BigInt(r.reward_model.ground_truth.target), numbers: r.reward_model.ground_truth.numbers.map((n) => BigInt(n)) },
      })),
    },
    { name: 'extra_info', data: rows.map((r) => ({ split: r.extra_info.split, index: BigInt(r.extra_info.index) })) },
  ];
}

export function writeRowsParquet(file: string, rows: readonly CountdownRow[]): void {
  const buffer = parquetWriteBuffer({ columnData: columns(rows), schema: SCHEMA, createdBy: 'reasoning-lab (hyparquet-writer)' });
  writeFileAtomic(file, Buffer.from(buffer));
}
