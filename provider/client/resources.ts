// The resource facade over the transport: what the providers' handlers (provider/handlers), the
// CLI and the demo use to read and change clusters, volumes, slices, key policies and the
// inventory. Any /v1 route by method and path, plus the walk over paged lists.
import type { ListPage } from '../api/contract';
import { Transport, type RequestOptions } from './transport';

export class ComposerClient extends Transport {
  /**
   * Every item of a list endpoint (`{ items, nextCursor? }`, docs/api.md "Lists and pages"),
   * following the pages. Objects that exist throughout come once each; ones created or deleted
   * meanwhile may or may not be there, as with any listing of a changing table.
   */
  async listAll<T>(path: string, query: RequestOptions['query'] = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const { data } = await this.request<ListPage<T>>('GET', path, { query: { ...query, cursor } });
      items.push(...data.items);
      cursor = data.nextCursor;
    } while (cursor !== undefined);
    return items;
  }
}
