import { subscribeDataType, subscribeValueProblem, SUBSCRIBE_DATA_TYPES } from './subscribe-data.rules';

describe('subscribe message parameter rules', () => {
  it('reads the type from the key', () => {
    expect(['thing1', 'number01', 'character_string13', 'phone_number4', 'enum_string2', 'thing', '1thing'].map(subscribeDataType)).toEqual(
      ['thing', 'number', 'character_string', 'phone_number', 'enum_string', undefined, undefined],
    );
    expect(SUBSCRIBE_DATA_TYPES).toEqual([
      'thing',
      'number',
      'letter',
      'symbol',
      'character_string',
      'time',
      'date',
      'amount',
      'phone_number',
      'car_number',
      'name',
      'phrase',
    ]);
  });

  // The guide's own examples first in each list.
  it.each([
    ['thing1', ['订单支付成功', '麦萌宝贝 小孩魔力彩虹圈 直径约7.5', 'A'.repeat(20), '😀'.repeat(20)]],
    ['number2', ['339208499', '7.5', '0', '1'.repeat(32)]],
    ['letter3', ['abc', 'A'.repeat(32)]],
    ['symbol4', ['%', '¥-+~*']],
    ['character_string5', ['BATTERY-100000001', '19%', '2022120853531009', 'x'.repeat(32)]],
    ['time6', ['15:01', '2019年10月1日 15:01', '2023-12-13 17:24:00', '9:05:07', '15:01~16:30', '2019-10-01 08:00 ~ 2019-10-01 09:00']],
    [
      'date7',
      ['2019年10月1日', '2019年10月1日 15:01', '2018-01-01', '2018/01/01', '2018.01.01', '2018-01', '01-01', '10月1日', '2019年10月'],
    ],
    ['amount8', ['¥99.00', '¥214.00', '0.01', '100元', '$1234567890']],
    ['phone_number9', ['+86-0766-66888866', '13800138000']],
    ['car_number10', ['粤A8Z888挂', 'B12345', '京A12345']],
    ['name11', ['张三', '李小龙八九十一二三', 'John Smith', 'A'.repeat(20), '张三Li']],
    ['phrase12', ['配送中', '已发货了吧']],
    ['enum_string13', ['客厅', 'anything goes here, WeChat checks it']],
  ])('takes good %s values', (key, values) => {
    for (const value of values) expect([value, subscribeValueProblem(key, value)]).toEqual([value, undefined]);
  });

  it.each([
    ['thing1', ['A'.repeat(21)]],
    ['number2', ['1'.repeat(33), '1,000', '-5', '1e5', '七']],
    ['letter3', ['abc1', 'A'.repeat(33), '中']],
    ['symbol4', ['%%%%%%', 'a', '1', '中']],
    ['character_string5', ['中文', 'x'.repeat(33), 'a b']],
    ['time6', ['25:00', '15:60', 'noon', '2019年10月1日', '15:01~']],
    ['date7', ['tomorrow', '15:01', '2019年10月1日~']],
    ['amount8', ['¥12345678901', '¥¥1', 'one yuan', '¥1.2.3']],
    ['phone_number9', ['1'.repeat(18), 'call me']],
    ['car_number10', ['粤A8Z888挂X', '粤粤A', 'AB-123']],
    ['name11', ['李小龙八九十一二三四五', 'A'.repeat(21), '张三Lisa Smithson', 'R2D2']],
    ['phrase12', ['配送中了吧啊', 'ok', '配送 中']],
  ])('refuses bad %s values, naming the key and the rule', (key, values) => {
    for (const value of values)
      expect([value, subscribeValueProblem(key, value)]).toEqual([value, expect.stringMatching(new RegExp(`^data\\.${key} \\(`))]);
  });

  it('refuses blank values and control characters for every key, known or not', () => {
    for (const key of ['thing1', 'enum_string2', 'custom']) {
      expect(subscribeValueProblem(key, '  ')).toBe(`data.${key} must not be empty`);
      expect(subscribeValueProblem(key, 'a\nb')).toMatch(/line breaks/);
      expect(subscribeValueProblem(key, 'a\u0000')).toMatch(/control characters/);
      expect(subscribeValueProblem(key, 'a\ud800')).toMatch(/lone surrogates/);
    }
  });
});
