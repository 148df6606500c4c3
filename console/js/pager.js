// A table body filled a page at a time from a paged list of the API (?limit=&cursor=,
// answered with next_cursor while more remain): the first page at once, each next one on
// "Show more", and a status line with the count. For lists too long to load whole: a
// centre holds tens of thousands of orders and devices.
import { h } from './dom.js';
import { t } from './i18n.js';

// load(cursor) resolves to a page (cursor null: the first); key names its list; row(item,
// now) makes a row; columns is the table's width for the "empty" row. `id` prefixes the
// elements' ids ("devices": #devices-count, #devices-more).
export function pager({ id, load, key, row, columns, empty }) {
  const tbody = h('tbody');
  const status = h('p', { class: 'muted', role: 'status', id: `${id}-count` });
  const more = h('button', { type: 'button', id: `${id}-more`, text: t('show_more') });
  let shown = 0;
  let cursor = null;
  const append = (data) => {
    const now = Date.now();
    const items = (data && data[key]) || [];
    for (const item of items) tbody.append(row(item, now));
    shown += items.length;
    cursor = (data && data.next_cursor) || null;
    more.hidden = cursor === null;
    if (shown === 0) tbody.append(h('tr', {}, h('td', { colspan: columns, class: 'muted', text: empty })));
    status.textContent = t(cursor === null ? 'list_count' : 'list_count_more', { n: shown });
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      append(await load(cursor));
    } catch (error) {
      status.textContent = t('error_generic', { message: error.message });
    } finally {
      more.disabled = false;
    }
  });
  return { tbody, status, more, append };
}
