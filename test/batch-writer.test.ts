// Group writing on a real database: writes that arrive while one is under way go out together, each resolves only
// once its own row is stored, order is kept, and one bad row costs only its own write.
import { BatchWriter } from '../src/data/batch-writer';
import { createTestDb, type TestDb } from './helpers/db';

describe('BatchWriter', () => {
  let db: TestDb;
  const table = () => `${db.prefix}batch_rows`;
  let inserts = 0;

  beforeAll(async () => {
    db = await createTestDb();
    await db.knex.schema.createTable(table(), (t) => {
      t.increments('id');
      t.string('name', 32).notNullable().unique();
    });
    db.knex.on('query', (q: { sql: string }) => { if (/^insert/i.test(q.sql)) inserts++; });
  });
  afterAll(async () => {
    await db.knex.schema.dropTableIfExists(table());
    await db.destroy();
  });
  beforeEach(async () => {
    await db.knex(table()).del();
    inserts = 0;
  });

  const writer = () => new BatchWriter<string>((names) => db.knex(table()).insert(names.map((name) => ({ name }))), 50);
  const stored = async () => (await db.knex(table()).orderBy('id').pluck('name')) as string[];

  it('20 writes at once go out in two statements, in the order they came, each stored when its promise resolves', async () => {
    const w = writer();
    const names = Array.from({ length: 20 }, (_, i) => `row-${i}`);
    const seenWhenResolved: boolean[] = [];
    await Promise.all(names.map((name) => w.write(name).then(async () => {
      seenWhenResolved.push((await db.knex(table()).where({ name }).first()) !== undefined);
    })));
    // The first goes at once; the 19 that came while it ran, together.
    expect(inserts).toBe(2);
    expect(await stored()).toEqual(names);
    expect(seenWhenResolved).toEqual(names.map(() => true));
  });

  it('a write alone waits for nothing: one statement per write', async () => {
    const w = writer();
    for (const name of ['a', 'b', 'c']) await w.write(name);
    expect(inserts).toBe(3);
  });

  it('a bad row in a group fails alone: the others are written again one by one and stored', async () => {
    const w = writer();
    await w.write('taken');
    inserts = 0;
    const first = w.write('first');
    // These arrive while 'first' is being written: one group, which the duplicate makes fail.
    const group = ['x', 'taken', 'y'].map((name) => w.write(name).then(() => 'ok', () => 'failed'));
    await first;
    expect(await Promise.all(group)).toEqual(['ok', 'failed', 'ok']);
    expect(await stored()).toEqual(expect.arrayContaining(['taken', 'first', 'x', 'y']));
    expect((await stored()).filter((n) => n === 'taken')).toHaveLength(1);
  });
});
