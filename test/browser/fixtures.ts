// Fixture reader for the page: the vitest dev server serves test/fixtures/ from the project root.
import type {ReadFixture} from '../util/fixtures';

export const readFixture: ReadFixture = async (file) => {
  const res = await fetch(`/test/fixtures/${file}`);
  if (!res.ok) throw new Error(`fixture ${file}: HTTP ${res.status} from the dev server`);
  return res.arrayBuffer();
};
