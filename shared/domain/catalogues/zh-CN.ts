import type { Catalogue } from '../locales.js';

/** The text when it is printable ASCII, else undefined. */
const ascii = (text: string): string | undefined =>
  /^[\x20-\x7e]+$/.test(text) ? text : undefined;

/** Simplified Chinese (mainland China). */
export const zhCN: Catalogue = {
  locale: 'zh-CN',
  levels: { OUT_OF_STOCK: '缺货', LOW_STOCK: '库存不足', OVERSTOCK: '库存积压' },
  resolved: (level) => `${level}已解除`,
  severities: { critical: '严重', warning: '警告', info: '提示' },
  strategies: {
    'purchase-order': '采购订单',
    'direct-restock': '直接补货',
    reduce: '减少库存',
    reprice: '调整售价',
    'pause-listing': '暂停销售',
    'notify-only': '仅通知',
  },
  noQuantity: '无',
  arrow: '→',
  comparisons: { atMost: '≤', atLeast: '≥' },
  // SNS subjects are printable ASCII: the level's code and the identifiers that are ASCII (the
  // alert's reference otherwise); the Chinese headline opens the body.
  subject: (f) =>
    `[${f.severity.toUpperCase()}] ${f.level}${f.kind === 'RESOLVED' ? ' RESOLVED' : ''} ${ascii(f.sku) ?? `#${f.alertId.slice(0, 8)}`}${ascii(f.location) ? ` @ ${f.location}` : ''}`,
  headline: (f) => `${f.label}（${f.location}）${f.verb}。`,
  labels: {
    item: '商品',
    location: '地点',
    category: '类别',
    price: '价格',
    quantity: '数量',
    threshold: '阈值',
    rule: '规则',
    severity: '严重程度',
    alertId: '告警编号',
    occurred: '发生时间',
  },
  handling: (kind, strategy) => {
    if (kind === 'TRIGGERED')
      return strategy
        ? `自动处理：${strategy}，是否执行由策略执行器决定（例如已有未完成的采购订单时不会再下单），结果记录在审计账本中。`
        : '自动处理：未配置，请人工处理。';
    return strategy
      ? `自动处理：如需撤销${strategy}的效果，由策略执行器处理，结果记录在审计账本中。`
      : '无需处理。';
  },
  summary: (f) =>
    `${f.verb}：${f.label}，地点 ${f.location}，数量 ${f.change}（${f.comparison}${f.threshold}），告警 ${f.alertId}。`,
  sms: (f) =>
    `${f.verb}：${f.sku} @ ${f.location} 数量 ${f.change}（${f.comparison}${f.threshold}）${f.strategy ? `${f.strategy} ` : ''}#${f.alertId.slice(0, 8)}`,
  smsPrefersGsm7: false,
  digest: {
    window: (minutes) => (minutes % 60 === 0 ? `${minutes / 60}小时` : `${minutes}分钟`),
    // ASCII, like every subject: the count and the window in codes.
    subject: (f) => `[DIGEST] ${f.count} alerts / ${f.window}`,
    headline: (f) => `${f.since}至${f.until}（${f.window}）共有${f.count}条库存告警：`,
    more: (count) => `……另有${count}条。`,
    levelCodes: { OUT_OF_STOCK: '缺货', LOW_STOCK: '不足', OVERSTOCK: '积压' },
    smsItem: (i) => `${i.level}${i.resolved ? '解除' : ''} ${i.sku}@${i.location} ${i.quantity}`,
    sms: (f) =>
      `${f.window}内${f.count}条库存告警：${f.items.join('；')}${f.rest ? ` 另${f.rest}条` : ''}`,
  },
};
