/*
 * The console's money steps after a payment: cash back (a merchant transfer the user confirms in
 * wx.requestMerchantTransfer), the partner's split (profit sharing), and reconciliation (a notification lost on purpose,
 * repaired by the reconciler). Registered with `window.consoleSteps`; console.js calls the registration in its start()
 * with the helpers it shares (the HTTP log, the result lines, the current order).
 */
/* global window */
(function () {
  'use strict';

  var FINAL_TRANSFER = ['SUCCESS', 'FAIL', 'CANCELLED'];

  function register(kit) {
    var $ = kit.$;
    var el = kit.el;
    var chip = kit.chip;
    var show = kit.show;
    var state = kit.state;
    /** The answer of POST /orders/:id/cashback while the transfer waits for the user. */
    var transfer = null;

    function v3() {
      return state.config && state.config.payApiVersion === 'v3';
    }

    function open(o) {
      return !!o && o.paid && o.status !== 'REFUNDED' && o.refundedFee === 0;
    }

    /** An error answer as one line: status, message. */
    function refusal(res) {
      var b = res.body || {};
      var message = Array.isArray(b.message) ? b.message.join('; ') : b.message || b.error || res.text || res.statusText;
      return res.status + ' ' + (b.error || res.statusText || 'Error') + ': ' + message;
    }

    /** The wx.requestMerchantTransfer object, shown as the mini program would pass it. */
    function renderTransfer(params) {
      $('transfer-params').hidden = !params;
      var dl = $('transfer-fields');
      dl.textContent = '';
      if (!params) return;
      ['mchId', 'appId', 'package', 'openId'].forEach(function (key) {
        dl.appendChild(el('dt', { text: key }));
        dl.appendChild(el('dd', { 'data-field': key, text: params[key] }));
      });
    }

    // ------------------------------------------------------------ cash back

    async function cashback() {
      show('cashback-result', 'busy', 'POST /orders/' + state.order.id + '/cashback…');
      var res = kit.expectOk(await kit.app('POST', '/orders/' + state.order.id + '/cashback'), 'Cash back');
      transfer = res.requestMerchantTransfer ? res : null;
      renderTransfer(res.requestMerchantTransfer);
      await kit.fetchOrder(false);
      show(
        'cashback-result',
        res.requestMerchantTransfer ? 'idle' : 'ok',
        chip(res.state, FINAL_TRANSFER.indexOf(res.state) >= 0 ? 'ok' : 'warn'),
        ' ' + kit.fen(res.amount) + ' · out_bill_no ' + res.outBillNo,
        res.requestMerchantTransfer ? ' · wx.requestMerchantTransfer(params) opens the confirmation: confirm it below.' : '',
      );
      $('cashback-result').setAttribute('data-cashback', res.state);
    }

    /** The user confirms in wx.requestMerchantTransfer: WeChat transfers and notifies the app, which records the outcome. */
    async function confirmTransfer() {
      show('cashback-result', 'busy', 'The user confirms; WeChat transfers and notifies the app…');
      var res = kit.expectOk(await kit.sim('POST', 'transferConfirm', { outBillNo: transfer.outBillNo }), 'Confirm the transfer');
      var answer = res.notification ? kit.lastAnswer(res.notification) : null;
      var done = await kit.pollOrder(function (o) {
        return FINAL_TRANSFER.indexOf(o.cashbackState) >= 0;
      }, 15000);
      await kit.refreshNotifications();
      var o = state.order;
      if (!done) {
        show('cashback-result', 'error', 'The cash back is still ' + o.cashbackState + ' at the app.');
        return;
      }
      transfer = null;
      renderTransfer(null);
      show(
        'cashback-result',
        o.cashbackState === 'SUCCESS' ? 'ok' : 'warn',
        chip(o.cashbackState, o.cashbackState === 'SUCCESS' ? 'ok' : 'warn'),
        ' ' +
          kit.fen(o.cashbackAmount) +
          " to the user's balance · WeChat " +
          res.transfer.history.join(' → ') +
          ' · notification answered ',
        answer ? chip(answer.code || '…', answer.ok ? 'ok' : 'error') : chip('none', 'error'),
      );
      $('cashback-result').setAttribute('data-cashback', o.cashbackState);
    }

    // ------------------------------------------------------------ the partner's split

    async function split() {
      show('split-result', 'busy', 'POST /orders/' + state.order.id + '/split…');
      var res = await kit.app('POST', '/orders/' + state.order.id + '/split', {});
      if (!res.ok) {
        show('split-result', 'warn', chip('refused', 'error'), ' ' + refusal(res));
        $('split-result').setAttribute('data-status', String(res.status));
        return;
      }
      var s = res.body;
      show(
        'split-result',
        'busy',
        s.state + ' ' + kit.fen(s.amount) + ' to ' + s.receiver.account + '; WeChat finishes it a moment later…',
      );
      var done = await kit.pollOrder(function (o) {
        return o.splitState === 'FINISHED';
      }, 15000);
      await kit.refreshNotifications();
      var o = state.order;
      if (!done) {
        show('split-result', 'error', 'The split is still ' + o.splitState + ' at the app.');
        return;
      }
      show(
        'split-result',
        o.splitResult === 'SUCCESS' ? 'ok' : 'warn',
        chip(o.splitState, 'ok'),
        ' ' +
          kit.fen(o.splitAmount) +
          ' to partner ' +
          s.receiver.type +
          ' ' +
          s.receiver.account +
          ' (' +
          s.outOrderNo +
          ') · result ' +
          o.splitResult,
      );
      $('split-result').setAttribute('data-status', '200');
      $('split-result').setAttribute('data-split', o.splitState);
    }

    // ------------------------------------------------------------ reconciliation

    /** A new order from the form, paid at WeChat while the simulator loses its notification: the app hears nothing. */
    async function payWithLostNotification() {
      await kit.createOrder();
      var id = state.order.id;
      show('lose-result', 'busy', 'Order #' + id + ': the simulator loses its payment notification, the user pays…');
      var params = kit.expectOk(await kit.app('POST', '/orders/' + id + '/pay'), 'POST /orders/:id/pay');
      kit.expectOk(await kit.sim('POST', 'loseNotifications', { kind: 'pay' }), 'POST /__sim/loseNotifications');
      var paid = kit.expectOk(await kit.sim('POST', 'pay', { prepayId: String(params.package).replace(/^prepay_id=/, '') }), 'Payment');
      var o = await kit.fetchOrder(false);
      await kit.refreshNotifications();
      show(
        'lose-result',
        'warn',
        chip('lost', 'warn'),
        ' paid at WeChat (transaction ' + kit.short(paid.transactionId, 10) + '), the notification lost · the app has order #' + id,
        ' ' + o.status + ', paid ' + (o.paid ? 'yes' : 'no'),
      );
      $('lose-result').setAttribute('data-paid', o.paid ? 'yes' : 'no');
    }

    function counts(c) {
      return c.checked + ' asked, ' + c.changed + ' changed' + (c.failed ? ', ' + c.failed + ' failed' : '');
    }

    function renderReport(report) {
      var dl = $('reconcile-report');
      dl.hidden = false;
      dl.textContent = '';
      var bill = report.bill;
      var rows = [
        ['orders', counts(report.pending.orders)],
        ['refunds', counts(report.pending.refunds)],
        ['transfers', counts(report.pending.transfers)],
        ['bill', bill.billDate + ' (' + bill.apiVersion + '): ' + bill.billRows + ' rows, ' + bill.matched + ' matched'],
        ['mismatches', bill.mismatches.length ? '' : 'none'],
      ];
      bill.mismatches.forEach(function (m) {
        rows.push([m.kind, m.entity + ' ' + (m.outRefundNo || m.outTradeNo) + ': ' + m.repair + (m.detail ? ' (' + m.detail + ')' : '')]);
      });
      rows.forEach(function (pair) {
        dl.appendChild(el('dt', { text: pair[0] }));
        dl.appendChild(el('dd', { 'data-field': 'reconcile-' + pair[0], text: pair[1] }));
      });
    }

    /** POST /console/reconcile: what the module's schedule runs, at once (pending items, then today's bill). */
    async function reconcile() {
      var before = state.order ? state.order.paid : null;
      show('reconcile-result', 'busy', 'The reconciler asks WeChat about what is pending, then compares today’s bill…');
      var report = kit.expectOk(await kit.app('POST', '/console/reconcile'), 'POST /console/reconcile');
      renderReport(report);
      var o = state.order ? await kit.fetchOrder(false) : null;
      await kit.refreshNotifications();
      var repaired = before === false && !!o && o.paid;
      show(
        'reconcile-result',
        'ok',
        chip(repaired ? 'repaired' : 'reconciled', 'ok'),
        ' pending orders: ' +
          counts(report.pending.orders) +
          ' · bill ' +
          report.bill.billDate +
          ': ' +
          report.bill.mismatches.length +
          ' mismatches',
        o ? ' · order #' + o.id + ' ' + o.status + ', paid ' + (o.paid ? 'yes' : 'no') + ', fulfilledCount ' + o.fulfilledCount : '',
      );
      $('reconcile-result').setAttribute('data-repaired', repaired ? 'yes' : 'no');
    }

    // ------------------------------------------------------------ wiring

    kit.bind('btn-cashback', 'cashback-result', cashback);
    kit.bind('btn-cashback-confirm', 'cashback-result', confirmTransfer);
    kit.bind('btn-split', 'split-result', split);
    kit.bind('btn-lose-pay', 'lose-result', payWithLostNotification);
    kit.bind('btn-reconcile', 'reconcile-result', reconcile);
    if (!v3()) {
      show('cashback-result', 'idle', 'Cash back is a merchant transfer: it needs WeChat Pay API v3 (WECHAT_PAY_API_VERSION=v3).');
      show('split-result', 'idle', 'Profit sharing needs WeChat Pay API v3 (WECHAT_PAY_API_VERSION=v3).');
    }

    return {
      buttons: function (signedIn, o) {
        var cashbackFinal = !!o && FINAL_TRANSFER.indexOf(o.cashbackState) >= 0;
        return {
          'btn-cashback': signedIn && v3() && open(o) && !cashbackFinal,
          'btn-cashback-confirm': signedIn && v3() && !!transfer && !!o && !cashbackFinal,
          'btn-split': signedIn && v3() && open(o) && !o.splitState,
          'btn-lose-pay': signedIn,
          'btn-reconcile': signedIn,
        };
      },
      orderFields: function (o) {
        return [
          ['cashback', o.cashbackState ? o.cashbackState + ' · ' + kit.fen(o.cashbackAmount) : '—'],
          ['split', o.splitState ? o.splitState + ' · ' + kit.fen(o.splitAmount) + (o.splitResult ? ' · ' + o.splitResult : '') : '—'],
        ];
      },
      reset: function () {
        transfer = null;
        renderTransfer(null);
        if (v3()) {
          show('cashback-result', 'idle', '—');
          show('split-result', 'idle', '—');
        }
      },
    };
  }

  (window.consoleSteps = window.consoleSteps || []).push(register);
})();
