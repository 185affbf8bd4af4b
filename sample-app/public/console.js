/*
 * The sample app's console: plays a mini program user against the WeChat simulator and this app, the way a real
 * mini program would, and shows every HTTP exchange. Plain browser JavaScript, no build step, same origin only:
 * the simulator's control API (`/__sim/*`, another origin without CORS) is reached through the app's `/sim/*` proxy.
 */
/* global document, window, md5 */
(function () {
  'use strict';

  var state = {
    config: null,
    /** The signed-in user: {openId, token, userId}. */
    user: null,
    /** The current order, as GET /orders/:id shows it. */
    order: null,
    /** The wx.requestPayment params of the current order. */
    params: null,
    /** The "order paid" template, as the simulator lists it (GET /__sim/subscribeTemplates). */
    template: null,
    busy: false,
  };
  var logCount = 0;
  /** The steps other files add (console-money.js): each registers with `window.consoleSteps` and gets the kit in start(). */
  var extensions = [];

  // ---------------------------------------------------------------- DOM helpers

  function $(id) {
    return document.getElementById(id);
  }

  /** Creates an element; children are nodes or text (never parsed as HTML). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attrs[name];
      else if (attrs[name] !== undefined && attrs[name] !== null && attrs[name] !== false) node.setAttribute(name, attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function chip(text, kind) {
    return el('span', { class: 'chip chip-' + (kind || 'neutral'), text: text });
  }

  /** Sets a result line: state is idle, busy, ok, warn or error. */
  function show(id, kind) {
    var node = $(id);
    node.setAttribute('data-state', kind);
    node.textContent = '';
    for (var i = 2; i < arguments.length; i++) {
      var part = arguments[i];
      if (part === null || part === undefined || part === false) continue;
      node.appendChild(typeof part === 'string' || typeof part === 'number' ? document.createTextNode(String(part)) : part);
    }
  }

  function short(text, keep) {
    text = String(text);
    keep = keep || 6;
    return text.length > keep * 2 + 1 ? text.slice(0, keep) + '…' + text.slice(-4) : text;
  }

  function fen(amount) {
    return '¥' + (amount / 100).toFixed(2) + ' (' + amount + ' fen)';
  }

  // ---------------------------------------------------------------- HTTP with the log

  /**
   * One HTTP exchange, recorded in the log. `who` is 'app' (this app's API, as the mini program calls it) or 'sim'
   * (the simulator, playing WeChat on the phone: `name` is the control call, sent to /sim/<name>).
   */
  async function exchange(who, method, path, body, options) {
    options = options || {};
    var url = who === 'sim' ? '/sim/' + path : path;
    // A form (multipart/form-data) goes as it is: the browser writes its content type with the boundary.
    var form = body instanceof window.FormData;
    var headers = {};
    if (body !== undefined && !form) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = 'Token ' + options.token;
    var started = window.performance.now();
    var entry = {
      who: who,
      method: method,
      url: url,
      forwarded: who === 'sim' && state.config && state.config.simulatorUrl ? state.config.simulatorUrl + '/__sim/' + path : null,
      requestHeaders: options.token ? { Authorization: 'Token ' + short(options.token) } : null,
      requestBody: form ? describeForm(body) : body,
      poll: !!options.poll,
    };
    var result;
    try {
      var res = await window.fetch(url, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : form ? body : JSON.stringify(body),
        cache: 'no-store',
      });
      // An image answer (options.binary) is kept as a Blob; the log shows its type and size.
      var blob = options.binary && res.ok ? await res.blob() : null;
      var text = blob ? '(' + (blob.type || 'no type') + ', ' + blob.size + ' bytes)' : await res.text();
      var parsed = null;
      try {
        parsed = text && !blob ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      result = { ok: res.ok, status: res.status, statusText: res.statusText, body: parsed, text: text, blob: blob };
    } catch (error) {
      result = {
        ok: false,
        status: 0,
        statusText: 'network error',
        body: null,
        text: String(error && error.message ? error.message : error),
      };
    }
    entry.status = result.status;
    entry.statusText = result.statusText;
    entry.responseText = result.text;
    entry.responseBody = result.body;
    entry.ms = Math.round(window.performance.now() - started);
    addLog(entry);
    return result;
  }

  /** A multipart body for the log: its fields, and each file's name, type and size. */
  function describeForm(form) {
    var parts = {};
    form.forEach(function (value, name) {
      parts[name] =
        typeof value === 'string' ? value : '(file ' + value.name + ', ' + (value.type || 'no type') + ', ' + value.size + ' bytes)';
    });
    return { 'multipart/form-data': parts };
  }

  function app(method, path, body, poll) {
    return exchange('app', method, path, body, { token: state.user && state.user.token, poll: poll });
  }

  function sim(method, name, body, poll) {
    return exchange('sim', method, name, body, { poll: poll });
  }

  /** An error answer as one line: status (unless `withoutStatus`), message, WeChat's errcode. */
  function describeError(res, withoutStatus) {
    var b = res.body || {};
    var message = Array.isArray(b.message) ? b.message.join('; ') : b.message || b.error || res.text || res.statusText;
    var line = (withoutStatus ? '' : res.status + ' ') + (b.error || res.statusText || 'Error') + ': ' + message;
    if (b.errcode !== undefined) line += ' (errcode ' + b.errcode + ')';
    if (b.reason) line += ' [' + b.reason + ']';
    return line;
  }

  class StepError extends Error {}

  function expectOk(res, what) {
    if (!res.ok) throw new StepError(what + ' failed: ' + describeError(res));
    return res.body;
  }

  // ---------------------------------------------------------------- the log panel

  function pretty(value, text) {
    if (value !== null && value !== undefined && typeof value === 'object') return JSON.stringify(value, null, 2);
    if (value !== undefined && value !== null) return String(value);
    return text || '';
  }

  function clip(text) {
    return text.length > 6000 ? text.slice(0, 6000) + '\n… (' + (text.length - 6000) + ' more characters)' : text;
  }

  function addLog(entry) {
    var list = $('log');
    var last = list.firstElementChild;
    // Polls that keep getting the same answer are one line with a count.
    if (
      entry.poll &&
      last &&
      last.__entry &&
      last.__entry.poll &&
      last.__entry.method === entry.method &&
      last.__entry.url === entry.url &&
      last.__entry.status === entry.status &&
      last.__entry.responseText === entry.responseText
    ) {
      last.__count += 1;
      last.querySelector('.log-count').textContent = '×' + last.__count;
      return;
    }
    logCount += 1;
    $('log-count').textContent = logCount + (logCount === 1 ? ' exchange' : ' exchanges');
    var statusKind = entry.status >= 200 && entry.status < 300 ? 'ok' : entry.status >= 400 && entry.status < 500 ? 'warn' : 'error';
    var details = el(
      'details',
      {},
      el(
        'summary',
        {},
        chip(entry.who === 'sim' ? 'SIM' : 'APP', entry.who === 'sim' ? 'sim' : 'app'),
        el('span', { class: 'log-method', text: entry.method }),
        el('span', { class: 'log-url', text: entry.url }),
        el('span', { class: 'log-count' }),
        chip(String(entry.status || 'ERR'), statusKind),
        el('span', { class: 'log-ms', text: entry.ms + ' ms' }),
      ),
      el(
        'div',
        { class: 'log-body' },
        entry.forwarded ? el('p', { class: 'log-note', text: 'forwarded to the simulator: ' + entry.forwarded }) : null,
        el('p', { class: 'log-label', text: 'Request' }),
        el(
          'pre',
          {},
          entry.method +
            ' ' +
            entry.url +
            (entry.requestHeaders ? '\nAuthorization: ' + entry.requestHeaders.Authorization : '') +
            (entry.requestBody !== undefined ? '\n\n' + clip(pretty(entry.requestBody)) : ''),
        ),
        el('p', { class: 'log-label', text: 'Response ' + entry.status + ' ' + (entry.statusText || '') }),
        el('pre', {}, clip(pretty(entry.responseBody, entry.responseText))),
      ),
    );
    var item = el(
      'li',
      {
        class: 'log-entry log-' + statusKind,
        'data-who': entry.who,
        'data-method': entry.method,
        'data-url': entry.url,
        'data-status': entry.status,
      },
      details,
    );
    item.__entry = entry;
    item.__count = 1;
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  // ---------------------------------------------------------------- rendering state

  function renderOrder() {
    var o = state.order;
    $('order').hidden = !o;
    if (!o) return;
    $('order-title').textContent = 'Order #' + o.id + ' · ' + o.description;
    var status = $('order-status');
    status.textContent = o.status;
    status.setAttribute('data-status', o.status);
    var dl = $('order-fields');
    dl.textContent = '';
    var fields = [
      ['amount', fen(o.totalFee)],
      ['paid', o.paid ? 'yes' : 'no'],
      ['fulfilledCount', String(o.fulfilledCount)],
      ['payStatus', o.payStatus || '—'],
      ['outTradeNo', o.outTradeNo || '—'],
      ['transactionId', o.transactionId || '—'],
      ['refundedFee', String(o.refundedFee)],
      ['shippingUploaded', o.shippingUploaded ? 'yes' : 'no'],
      ['shippedAt', o.shippedAt || '—'],
      ['receiptConfirmedAt', o.receiptConfirmedAt || '—'],
      ['settledAt', o.settledAt || '—'],
      ['paidMessage', o.paidMessage ? o.paidMessage + (o.paidMessageDetail ? ' (' + o.paidMessageDetail + ')' : '') : '—'],
    ];
    extensions.forEach(function (e) {
      if (e.orderFields) fields = fields.concat(e.orderFields(o));
    });
    fields.forEach(function (pair) {
      dl.appendChild(el('dt', { text: pair[0] }));
      dl.appendChild(el('dd', { 'data-field': pair[0], text: pair[1] }));
    });
  }

  function renderParams() {
    var p = state.params;
    $('params').hidden = !p;
    if (!p) return;
    var dl = $('params-fields');
    dl.textContent = '';
    // API v3's object has no appId (its paySign covers the mini program's AppID all the same).
    ['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign'].forEach(function (key) {
      if (p[key] === undefined) return;
      dl.appendChild(el('dt', { text: key }));
      dl.appendChild(el('dd', { 'data-field': key, text: p[key] }));
    });
  }

  function setBusy(busy, button) {
    state.busy = busy;
    document.body.classList.toggle('busy', busy);
    if (button) button.classList.toggle('working', busy);
    refreshButtons();
  }

  function refreshButtons() {
    var signedIn = !!(state.user && state.user.token);
    var o = state.order;
    var enable = {
      'btn-login': true,
      'btn-profile': signedIn,
      'btn-code': signedIn,
      'btn-phone': signedIn,
      'btn-subscribe-accept': signedIn && !!(state.config && state.config.orderPaidTemplateId),
      'btn-subscribe-reject': signedIn && !!(state.config && state.config.orderPaidTemplateId),
      'btn-order': signedIn,
      'btn-pay': signedIn && !!o && !o.paid,
      'btn-confirm': signedIn && !!o && !o.paid && !!state.params,
      'btn-shipping': signedIn && !!o && o.paid,
      'btn-receive': signedIn && !!o && o.paid && o.shippingUploaded && !o.receiptConfirmedAt && o.status !== 'REFUNDED',
      'btn-duplicate': signedIn && !!o && o.paid,
      'btn-forged': signedIn && !!o && !!o.outTradeNo,
      'btn-fault-busy': true,
      'btn-fault-limit': true,
      'btn-refund': signedIn && !!o && o.paid && o.status !== 'REFUNDED' && o.refundedFee < o.totalFee,
    };
    extensions.forEach(function (e) {
      if (e.buttons) Object.assign(enable, e.buttons(signedIn, o));
    });
    Object.keys(enable).forEach(function (id) {
      $(id).disabled = state.busy || !enable[id];
    });
  }

  // ---------------------------------------------------------------- paySign, checked in the browser

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join('');
  }

  /** WeChat Pay v2: the non-empty fields sorted by name as k=v&…, then &key=<API key>; MD5 or HMAC-SHA256, upper-case hex. */
  async function paySign(params, apiKey) {
    var fields = ['appId', 'nonceStr', 'package', 'signType', 'timeStamp'].filter(function (k) {
      return params[k] !== undefined && params[k] !== '';
    });
    var base = fields
      .map(function (k) {
        return k + '=' + params[k];
      })
      .join('&');
    var signed = base + '&key=' + apiKey;
    var shown = base + '&key=' + '•'.repeat(8);
    if (params.signType === 'HMAC-SHA256') {
      if (!window.crypto || !window.crypto.subtle)
        return { shown: shown, value: null, why: 'WebCrypto needs a secure context (https or localhost)' };
      var enc = new TextEncoder();
      var key = await window.crypto.subtle.importKey('raw', enc.encode(apiKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      return { shown: shown, value: hex(await window.crypto.subtle.sign('HMAC', key, enc.encode(signed))).toUpperCase() };
    }
    return { shown: shown, value: md5(signed).toUpperCase() };
  }

  /** The DER bytes of a PEM block. */
  function pemBytes(pem) {
    var b64 = String(pem)
      .replace(/-----(BEGIN|END) [A-Z ]+-----/g, '')
      .replace(/\s+/g, '');
    var raw = window.atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  /**
   * WeChat Pay v3 (`signType: 'RSA'`): SHA256withRSA (RSASSA-PKCS1-v1_5) over `appId\ntimeStamp\nnonceStr\npackage\n`,
   * base64, by the merchant API private key; checked with the public key of the merchant certificate.
   */
  async function rsaPaySign(params, appId, publicKeyPem) {
    var message = [appId, params.timeStamp, params.nonceStr, params.package].join('\n') + '\n';
    var shown = message.replace(/\n/g, '\\n');
    if (!window.crypto || !window.crypto.subtle)
      return { shown: shown, good: null, why: 'WebCrypto needs a secure context (https or localhost)' };
    var key = await window.crypto.subtle.importKey('spki', pemBytes(publicKeyPem), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'verify',
    ]);
    var signature;
    try {
      signature = pemBytes(params.paySign);
    } catch {
      return { shown: shown, good: false };
    }
    var good = await window.crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, new TextEncoder().encode(message));
    return { shown: shown, good: good };
  }

  async function checkPaySign() {
    var p = state.params;
    var v3 = p.signType === 'RSA';
    var appId = v3 ? state.config.appId : p.appId;
    show('paysign-check', 'busy', 'Checking paySign with the merchant key…');
    var merchants = expectOk(await sim('GET', 'merchants'), 'GET /__sim/merchants');
    var merchant = (merchants.merchants || []).filter(function (m) {
      return m.appId === appId;
    })[0];
    if (!merchant) {
      show('paysign-check', 'error', 'No simulated merchant for ' + appId + ': paySign not checked.');
      return;
    }
    if (v3) {
      if (!merchant.v3PublicKey) {
        show('paysign-check', 'error', 'Merchant ' + merchant.mchId + ' has no API v3 public key: paySign not checked.');
        return;
      }
      var checked = await rsaPaySign(p, appId, merchant.v3PublicKey);
      if (checked.good === null) {
        show('paysign-check', 'warn', 'paySign not checked: ' + checked.why + '.');
        return;
      }
      show(
        'paysign-check',
        checked.good ? 'ok' : 'error',
        checked.good ? chip('paySign verified (RSA)', 'ok') : chip('paySign MISMATCH (RSA)', 'error'),
        ' SHA256withRSA over ',
        el('code', { text: checked.shown }),
        ' with the public key of merchant ' + merchant.mchId + "'s API certificate",
      );
      $('paysign-check').setAttribute('data-verified', checked.good ? 'yes' : 'no');
      return;
    }
    var computed = await paySign(p, merchant.apiKey);
    if (computed.value === null) {
      show('paysign-check', 'warn', 'paySign not checked: ' + computed.why + '.');
      return;
    }
    var good = computed.value === p.paySign;
    show(
      'paysign-check',
      good ? 'ok' : 'error',
      good ? chip('paySign verified', 'ok') : chip('paySign MISMATCH', 'error'),
      ' ' + p.signType + ' over ',
      el('code', { text: computed.shown }),
      ' with the key of merchant ' + merchant.mchId + ' = ' + computed.value,
    );
    $('paysign-check').setAttribute('data-verified', good ? 'yes' : 'no');
  }

  // ---------------------------------------------------------------- notifications

  /** `return_code` and `return_msg` of an XML answer. */
  function xmlAnswer(body) {
    var code = /<return_code>(?:<!\[CDATA\[)?([^<\]]*)/.exec(body || '');
    var msg = /<return_msg>(?:<!\[CDATA\[)?([^<\]]*)/.exec(body || '');
    return { code: code ? code[1] : null, msg: msg ? msg[1] : '' };
  }

  /** API v3 answers are HTTP status codes (any 2xx acknowledges), with `{code, message}` on a refusal. */
  function v3Answer(status, body) {
    var message = '';
    try {
      message = (body && JSON.parse(body).message) || '';
    } catch {
      message = '';
    }
    return { code: String(status), msg: message, ok: status >= 200 && status <= 299 };
  }

  /** The app's last answer to a notification: `code` is v2's return_code, or v3's HTTP status; `ok` if it acknowledges. */
  function lastAnswer(notification) {
    var attempts = notification.attempts || [];
    var last = attempts[attempts.length - 1];
    if (!last) return { code: null, msg: 'not attempted yet', ok: false };
    if (last.error) return { code: null, msg: last.error, ok: false };
    if (last.status === 0) return { code: null, msg: 'waiting for the answer', ok: false };
    if (notification.apiVersion === 'v3') return v3Answer(last.status, last.body);
    var answer = xmlAnswer(last.body);
    answer.ok = answer.code === 'SUCCESS';
    return answer;
  }

  /** What a notification is about: an order, a refund, a merchant transfer or a split. */
  function notificationSubject(n) {
    if (n.outRefundNo) return 'refund ' + short(n.outRefundNo, 10);
    if (n.kind === 'transfer') return 'transfer ' + (n.outBillNo || n.outTradeNo);
    if (n.outOrderNo) return 'split ' + n.outOrderNo;
    return 'order ' + short(n.outTradeNo, 10);
  }

  async function refreshNotifications(poll) {
    var res = await sim('GET', 'notifications', undefined, poll);
    if (!res.ok) return;
    var list = $('notifications');
    list.textContent = '';
    var items = (res.body.notifications || []).slice().reverse();
    if (items.length === 0) list.appendChild(el('li', { class: 'empty', text: 'None yet.' }));
    items.forEach(function (n) {
      var answer = lastAnswer(n);
      list.appendChild(
        el(
          'li',
          { 'data-kind': n.kind, 'data-variant': n.variant, 'data-answer': answer.code || '' },
          el(
            'div',
            { class: 'n-head' },
            chip(n.kind, n.kind === 'pay' ? 'app' : 'sim'),
            el('span', { class: 'n-variant', text: n.variant }),
            answer.code ? chip(answer.code, answer.ok ? 'ok' : 'error') : chip('…', 'neutral'),
          ),
          el(
            'div',
            { class: 'n-detail' },
            notificationSubject(n) +
              ' · ' +
              n.attempts.length +
              (n.attempts.length === 1 ? ' attempt' : ' attempts') +
              (answer.msg ? ' · ' + answer.msg : '') +
              (n.acknowledged ? ' · acknowledged' : n.done ? ' · given up' : ''),
          ),
        ),
      );
    });
  }

  // ---------------------------------------------------------------- pushes and subscribe messages

  /** The app's last answer to a push: `success` (or an empty body) with HTTP 200 acknowledges it. */
  function pushAnswer(push) {
    var attempts = push.attempts || [];
    var last = attempts[attempts.length - 1];
    if (!last) return { code: null, msg: 'not attempted yet', ok: false };
    if (last.error) return { code: null, msg: last.error, ok: false };
    if (last.status === 0) return { code: null, msg: 'waiting for the answer', ok: false };
    var body = String(last.body || '').trim();
    if (last.status !== 200) return { code: String(last.status), msg: body.slice(0, 80), ok: false };
    return { code: body || '(empty)', msg: '', ok: body === 'success' || body === '' };
  }

  /** One attempt's answer in a word: the body of a 200 (`success`), else the status, or that there was none. */
  function attemptAnswer(attempt) {
    if (attempt.error || !attempt.status) return 'nothing';
    return attempt.status === 200 ? String(attempt.body || '').trim() || '(empty)' : String(attempt.status);
  }

  function pushEvent(push) {
    var m = push.message || {};
    return m.MsgType === 'event' ? String(m.Event) : String(m.MsgType);
  }

  /**
   * The items of a subscribe event as WeChat writes them: in JSON a top-level `List`, the object itself when there is
   * one item; in XML inside an element named after the event.
   */
  function pushList(m) {
    var raw = m.List;
    Object.keys(m).forEach(function (key) {
      if (raw === undefined && m[key] && typeof m[key] === 'object' && m[key].List !== undefined) raw = m[key].List;
    });
    return Array.isArray(raw) ? raw : raw ? [raw] : [];
  }

  /** What a push says, in a few words. */
  function pushSummary(push) {
    var m = push.message || {};
    if (m.Event === 'trade_manage_order_settlement') {
      return 'order ' + m.merchant_trade_no + (m.settlement_time ? ' settled: receipt confirmed' : ' shipped: the money stays frozen');
    }
    if (m.Event === 'subscribe_msg_popup_event' || m.Event === 'subscribe_msg_change_event') {
      return pushList(m)
        .map(function (item) {
          return item.SubscribeStatusString + ' ' + short(item.TemplateId);
        })
        .join(', ');
    }
    if (m.Event === 'wxa_media_check') {
      return 'media check ' + (m.result ? m.result.suggest + ', label ' + labelText(m.result.label) : 'failed, errcode ' + m.errcode);
    }
    if (m.Event === 'subscribe_msg_sent_event') {
      return pushList(m)
        .map(function (item) {
          return 'message ' + item.MsgID + ' ' + item.ErrorStatus;
        })
        .join(', ');
    }
    return '';
  }

  async function refreshPushes(poll) {
    var res = await sim('GET', 'pushes', undefined, poll);
    if (!res.ok) return;
    var list = $('pushes');
    list.textContent = '';
    var items = (res.body.pushes || []).slice().reverse();
    if (items.length === 0) list.appendChild(el('li', { class: 'empty', text: 'None yet.' }));
    items.forEach(function (p) {
      var answer = pushAnswer(p);
      var summary = pushSummary(p);
      list.appendChild(
        el(
          'li',
          { 'data-event': pushEvent(p), 'data-answer': answer.code || '', 'data-acknowledged': p.acknowledged ? 'yes' : 'no' },
          el(
            'div',
            { class: 'n-head' },
            chip('push', 'sim'),
            el('span', { class: 'n-variant n-event', text: pushEvent(p) }),
            answer.code ? chip(answer.code, answer.ok ? 'ok' : 'error') : chip('…', 'neutral'),
          ),
          el(
            'div',
            { class: 'n-detail' },
            (summary ? summary + ' · ' : '') +
              p.format +
              ', ' +
              p.mode +
              ' mode · ' +
              p.attempts.length +
              (p.attempts.length === 1 ? ' attempt' : ' attempts') +
              (p.attempts.length ? ', answered ' + p.attempts.map(attemptAnswer).join(', ') : '') +
              (answer.msg ? ' · ' + answer.msg : '') +
              (p.acknowledged ? ' · acknowledged' : p.done ? ' · given up' : ''),
          ),
        ),
      );
    });
  }

  function clock(ms) {
    var d = new Date(ms);
    var pad = function (n) {
      return (n < 10 ? '0' : '') + n;
    };
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  async function refreshMessages(poll) {
    var res = await sim('GET', 'messages', undefined, poll);
    if (!res.ok) return;
    var list = $('messages');
    list.textContent = '';
    var items = (res.body.messages || []).slice().reverse();
    if (items.length === 0) list.appendChild(el('li', { class: 'empty', text: 'None yet.' }));
    items.forEach(function (m) {
      list.appendChild(
        el(
          'li',
          { 'data-template': m.templateId, 'data-openid': m.openId },
          el(
            'div',
            { class: 'n-head' },
            chip('message', 'app'),
            el('span', { class: 'n-variant', text: m.title }),
            el('span', { class: 'n-time', text: clock(m.at) }),
          ),
          el('div', { class: 'n-detail' }, 'to ' + short(m.openId, 8) + ' · ' + m.text.trim().split('\n').join(' · ')),
        ),
      );
    });
  }

  // ---------------------------------------------------------------- the steps

  function sleep(ms) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, ms);
    });
  }

  async function fetchOrder(poll) {
    var o = expectOk(await app('GET', '/orders/' + state.order.id, undefined, poll), 'GET /orders/' + state.order.id);
    state.order = o;
    renderOrder();
    return o;
  }

  /** Polls the order until `done(order)`; false after `timeoutMs`. */
  async function pollOrder(done, timeoutMs) {
    var until = Date.now() + timeoutMs;
    for (;;) {
      var o = await fetchOrder(true);
      if (done(o)) return true;
      if (Date.now() > until) return false;
      await sleep(250);
    }
  }

  async function login() {
    show('login-result', 'busy', 'wx.login()…');
    var wx = expectOk(await sim('POST', 'login', {}), 'wx.login()');
    show('login-result', 'busy', 'Got code ' + short(wx.code) + '; POST /miniprogram_auth/login…');
    var res = expectOk(await app('POST', '/miniprogram_auth/login', { code: wx.code }), 'Login');
    state.user = { openId: wx.openId, token: res.token, userId: res.user_id };
    renderProfile({});
    show(
      'login-result',
      'ok',
      chip('signed in', 'ok'),
      ' user #' + res.user_id + ' · openid ',
      el('code', { text: short(wx.openId, 8) }),
      ' · token ',
      el('code', { text: short(res.token) }),
    );
  }

  /** WeChat's labels (内容安全), for the refusals and verdicts shown. */
  var LABELS = {
    100: 'normal',
    10001: 'ads',
    20001: 'politics',
    20002: 'porn',
    20003: 'abuse',
    20006: 'crime',
    20008: 'fraud',
    20012: 'vulgar',
    20013: 'copyright',
    21000: 'other',
  };
  /** The risky verdicts the Verdict control scripts: an ad for a nickname, porn for an avatar. */
  var RISKY_LABELS = { nickName: 10001, avatar: 20002 };

  function labelText(label) {
    return label + (LABELS[label] ? ' (' + LABELS[label] + ')' : '');
  }

  /** An avatar URL of the app's store as this page shows it: its path under /avatars/ (the CSP allows this origin only). */
  function avatarSrc(url) {
    if (!url) return null;
    try {
      var path = new window.URL(url, window.location.href).pathname;
      return /^\/avatars\/[0-9a-f]{64}\.(png|jpg|gif|webp)$/.test(path) ? path : null;
    } catch {
      return null;
    }
  }

  /** The account's profile as the mini program shows it: the avatar, the nickname, an avatar waiting for its verdict. */
  function renderProfile(account, withdrawn) {
    var shown = avatarSrc(account.avatarUrl);
    $('avatar-shown').hidden = !shown;
    if (shown) $('avatar-shown').src = shown;
    $('avatar-none').hidden = !!shown;
    $('profile-nick').textContent =
      (account.nickName || '—') + (account.pendingNickName ? ' (held for review: ' + account.pendingNickName + ')' : '');
    // A withdrawn avatar's file is removed: only the words remain.
    var pending = avatarSrc(account.pendingAvatarUrl);
    var box = $('avatar-pending');
    box.hidden = !pending && !withdrawn;
    box.setAttribute('data-state', pending ? 'pending' : withdrawn ? 'withdrawn' : 'none');
    $('avatar-pending-img').hidden = !pending;
    if (pending) $('avatar-pending-img').src = pending;
    $('avatar-pending-text').textContent = pending ? "new avatar pending WeChat's verdict" : 'new avatar withdrawn';
    $('profile-view').setAttribute('data-avatar', shown || '');
  }

  /** The Verdict control: what the simulator's content check answers next, for this nickname and for the app's avatars. */
  async function scriptVerdicts(nickName) {
    var nick = $('verdict-nick').value;
    var avatar = $('verdict-avatar').value;
    var rule = function (suggest, field) {
      return suggest === 'risky' ? { suggest: suggest, label: RISKY_LABELS[field] } : { suggest: suggest };
    };
    var text = nick !== 'pass' && nickName ? [Object.assign({ contains: nickName }, rule(nick, 'nickName'))] : [];
    var media = avatar !== 'pass' ? [Object.assign({ urlContains: '/avatars/' }, rule(avatar, 'avatar'))] : [];
    expectOk(await sim('POST', 'securityVerdicts', { text: text, media: media }), 'POST /__sim/securityVerdicts');
    return { nickName: nick, avatar: avatar };
  }

  /** The fill-in components: the nickname and the chosen avatar go to POST /miniprogram_auth/profile, as wx.uploadFile sends them. */
  async function saveProfile() {
    var nickName = $('in-nick').value.trim();
    var file = $('in-avatar').files[0];
    if (!nickName && !file) throw new StepError('Enter a nickname or choose an avatar.');
    show('profile-result', 'busy', "Scripting WeChat's verdicts…");
    var verdicts = await scriptVerdicts(nickName);
    var form = new window.FormData();
    if (nickName) form.append('nickName', nickName);
    if (file) form.append('avatar', file, file.name);
    show('profile-result', 'busy', 'POST /miniprogram_auth/profile…');
    var res = await app('POST', '/miniprogram_auth/profile', form);
    var b = res.body || {};
    if (res.status === 422) {
      show(
        'profile-result',
        'warn',
        chip('refused', 'error'),
        ' 422 · WeChat found the ' + b.field + ' ' + b.suggest + ', label ' + labelText(b.label) + ': nothing saved',
      );
      $('profile-result').setAttribute('data-outcome', 'refused');
      $('profile-result').setAttribute('data-label', String(b.label));
      return;
    }
    if (!res.ok) {
      show('profile-result', 'error', chip(String(res.status), 'error'), ' ' + describeError(res, true));
      $('profile-result').setAttribute('data-outcome', 'error');
      return;
    }
    renderProfile(b);
    var pending = b.pending || {};
    var parts = [];
    if (nickName) parts.push(pending.nickName ? 'nickname held for review' : 'nickname ' + b.nickName);
    if (file) parts.push("avatar pending WeChat's verdict");
    var outcome = pending.avatar || pending.nickName ? 'pending' : 'saved';
    show(
      'profile-result',
      outcome === 'saved' ? 'ok' : 'warn',
      chip(outcome, outcome === 'saved' ? 'ok' : 'warn'),
      ' ' + parts.join(' · '),
    );
    $('profile-result').setAttribute('data-outcome', outcome);
    $('profile-result').removeAttribute('data-label');
    $('in-avatar').value = '';
    if (pending.avatar) await awaitAvatarVerdict(b.pendingAvatarUrl, verdicts.avatar, parts.slice(0, nickName ? 1 : 0));
  }

  /**
   * WeChat checks the avatar asynchronously and pushes its verdict to the app: polls GET /miniprogram_auth/me until the
   * pending avatar is shown or withdrawn, or until the verdict was pushed and the avatar stays held for review.
   */
  async function awaitAvatarVerdict(pendingUrl, scripted, before) {
    var until = Date.now() + 20000;
    var prefix = before.length ? before.join(' · ') + ' · ' : '';
    for (;;) {
      var me = expectOk(await app('GET', '/miniprogram_auth/me', undefined, true), 'GET /miniprogram_auth/me');
      if (me.pendingAvatarUrl !== pendingUrl) {
        var shown = me.avatarUrl === pendingUrl;
        renderProfile(me, !shown);
        show(
          'profile-result',
          shown ? 'ok' : 'warn',
          chip(shown ? 'saved' : 'withdrawn', shown ? 'ok' : 'error'),
          ' ' +
            prefix +
            (shown ? 'avatar shown: WeChat pushed pass' : 'avatar withdrawn: WeChat pushed ' + scripted + ', its file removed'),
        );
        $('profile-result').setAttribute('data-outcome', shown ? 'saved' : 'withdrawn');
        await refreshPushes();
        return;
      }
      var checks = expectOk(await sim('GET', 'securityChecks', undefined, true), 'GET /__sim/securityChecks').checks || [];
      var check = checks.filter(function (c) {
        return c.mediaUrl === pendingUrl;
      })[0];
      if (check && check.pushId && (await app('GET', '/miniprogram_auth/me', undefined, true)).body.pendingAvatarUrl === pendingUrl) {
        show(
          'profile-result',
          'warn',
          chip('pending', 'warn'),
          ' ' + prefix + 'WeChat pushed ' + check.suggest + ": the avatar is held for the app's review",
        );
        $('profile-result').setAttribute('data-outcome', 'held');
        await refreshPushes();
        return;
      }
      if (Date.now() > until) {
        show('profile-result', 'warn', chip('pending', 'warn'), ' ' + prefix + 'no verdict from WeChat yet');
        return;
      }
      await sleep(250);
    }
  }

  var codeUrl = null;

  /** The user's mini program code: a PNG fetched with the token, shown through an object URL. */
  async function myCode() {
    show('code-result', 'busy', 'GET /profile/code…');
    var page = 'pages/index/index';
    var res = await exchange('app', 'GET', '/profile/code?page=' + page, undefined, {
      token: state.user.token,
      binary: true,
    });
    if (!res.ok) throw new StepError('My code failed: ' + describeError(res));
    if (codeUrl) window.URL.revokeObjectURL(codeUrl);
    codeUrl = window.URL.createObjectURL(res.blob);
    var img = $('code-img');
    img.src = codeUrl;
    img.hidden = false;
    show(
      'code-result',
      'ok',
      chip('code', 'ok'),
      ' ' + res.blob.type + ', ' + res.blob.size + ' bytes · opens ' + page + ' with scene u=' + state.user.userId,
    );
  }

  async function phone() {
    show('phone-result', 'busy', 'getPhoneNumber…');
    var pc = expectOk(await sim('POST', 'phoneCode', { openId: state.user.openId, phoneNumber: $('in-phone').value }), 'getPhoneNumber');
    var res = expectOk(await app('POST', '/miniprogram_auth/phoneNumber', { code: pc.code }), 'phoneNumber');
    show('phone-result', 'ok', chip('phone', 'ok'), ' +' + res.countryCode + ' ' + res.purePhoneNumber);
  }

  async function createOrder() {
    var fee = Number($('in-fee').value);
    var res = expectOk(await app('POST', '/orders', { description: $('in-desc').value, totalFee: fee }), 'Create order');
    state.order = res;
    state.params = null;
    renderOrder();
    renderParams();
    show('pay-result', 'idle', '—');
    show('message-result', 'idle', 'Order-paid message: —');
    show('shipping-result', 'idle', '—');
    show('receive-result', 'idle', '—');
    show('notify-result', 'idle', '—');
    show('refund-result', 'idle', '—');
    extensions.forEach(function (e) {
      if (e.reset) e.reset();
    });
  }

  async function pay() {
    state.params = expectOk(await app('POST', '/orders/' + state.order.id + '/pay'), 'POST /orders/:id/pay');
    renderParams();
    await checkPaySign();
    await fetchOrder(false);
    show('pay-result', 'idle', 'wx.requestPayment(params) would open the payment sheet: confirm it below.');
  }

  async function confirmPayment() {
    var prepayId = String(state.params.package).replace(/^prepay_id=/, '');
    show('pay-result', 'busy', 'The user confirms; WeChat notifies the app…');
    var paid = expectOk(await sim('POST', 'pay', { prepayId: prepayId }), 'Payment');
    var first = lastAnswer(paid.notification);
    var fulfilled = await pollOrder(function (o) {
      return o.status === 'FULFILLED';
    }, 15000);
    await refreshNotifications();
    if (!fulfilled) {
      show('pay-result', 'error', 'The order was not fulfilled in time (notification answered ' + (first.code || first.msg) + ').');
      return;
    }
    show(
      'pay-result',
      'ok',
      chip('paid', 'ok'),
      ' transaction ' + short(paid.transactionId, 10) + ' · notification answered ',
      chip(first.code || '…', first.ok ? 'ok' : 'warn'),
      ' · order ' + state.order.status + ', fulfilledCount ' + state.order.fulfilledCount,
    );
    // What the payment set off once it committed: the order-paid message and the shipping upload.
    await inLine('message-result', showPaidMessage);
    await inLine('shipping-result', showShipping);
  }

  /** Runs a follow-up of a step, its failure shown in its own result line. */
  async function inLine(resultId, step) {
    try {
      await step();
    } catch (error) {
      show(resultId, 'error', error instanceof StepError ? error.message : 'Unexpected error: ' + (error && error.message));
    }
  }

  /** The consent dialog of wx.requestSubscribeMessage() for the order-paid template: the user accepts or rejects it. */
  async function subscribe(accept) {
    var templateId = state.config.orderPaidTemplateId;
    show('subscribe-result', 'busy', 'wx.requestSubscribeMessage(): the user ' + (accept ? 'accepts' : 'rejects') + '…');
    var res = expectOk(
      await sim('POST', 'subscribe', { openId: state.user.openId, templateIds: [templateId], accept: accept }),
      'wx.requestSubscribeMessage()',
    );
    var answer = (res.answers || {})[templateId];
    var push = (res.pushes || [])[0];
    var pushed = push ? pushAnswer(push) : null;
    var consent = (res.subscriptions || []).filter(function (c) {
      return c.templateId === templateId;
    })[0];
    await refreshPushes();
    show(
      'subscribe-result',
      answer === 'accept' ? 'ok' : 'warn',
      chip(answer === 'accept' ? 'accepted' : 'rejected', answer === 'accept' ? 'ok' : 'warn'),
      ' subscribe_msg_popup_event pushed, the app answered ',
      pushed ? chip(pushed.code || '…', pushed.ok ? 'ok' : 'error') : chip('no push', 'error'),
      ' · one-time acceptances left ' + (consent ? consent.acceptancesLeft : 0),
    );
    $('subscribe-result').setAttribute('data-answer', answer || '');
  }

  var MESSAGE_OUTCOMES = {
    SENT: ['ok', 'sent', 'delivered to the user (see Subscribe messages)'],
    SKIPPED: ['warn', 'skipped', 'the user has no acceptance of the template: the app did not ask WeChat'],
    REFUSED: ['warn', 'refused', 'WeChat refused it'],
    FAILED: ['error', 'failed', 'the app could not send it'],
  };

  /** The order-paid message, sent by the app once the payment committed: polled until it has an outcome. */
  async function showPaidMessage() {
    if (!state.config.orderPaidTemplateId) {
      show('message-result', 'idle', 'Order-paid message: none configured.');
      return;
    }
    show('message-result', 'busy', 'Order-paid message: the app sends it once the payment committed…');
    var done = await pollOrder(function (o) {
      return !!o.paidMessage && o.paidMessage !== 'PENDING' && o.paidMessage !== 'SENDING';
    }, 15000);
    var o = state.order;
    if (!done) {
      show('message-result', 'error', 'Order-paid message still ' + (o.paidMessage || 'not queued') + '.');
      return;
    }
    var outcome = MESSAGE_OUTCOMES[o.paidMessage] || ['warn', o.paidMessage, ''];
    show(
      'message-result',
      outcome[0],
      'Order-paid message ',
      chip(outcome[1], outcome[0]),
      ' ' +
        (state.template ? state.template.title + ': ' : '') +
        outcome[2] +
        (o.paidMessageDetail ? ' (' + o.paidMessageDetail + ')' : ''),
    );
    $('message-result').setAttribute('data-message', o.paidMessage);
    await refreshMessages();
  }

  var LOGISTICS = { 1: 'express', 2: 'same-city', 3: 'virtual goods', 4: 'self-pickup' };
  var SHIPPING_STATES = { 1: 'to ship', 2: 'shipped', 3: 'receipt confirmed', 4: 'settled', 5: 'refunded', 6: 'settlement pending' };

  /** WeChat's view of the order in the shipping service (the simulator's GET /__sim/shipping). */
  async function shippingView() {
    return expectOk(await sim('GET', 'shipping?transactionId=' + encodeURIComponent(state.order.transactionId)), 'GET /__sim/shipping');
  }

  function fundsChip(view) {
    return chip(view.fundsFrozen ? 'funds frozen' : 'funds released', view.fundsFrozen ? 'warn' : 'ok');
  }

  /** The upload the app made once the payment committed (shipping.autoUpload), and what WeChat holds. */
  async function showShipping() {
    show('shipping-result', 'busy', 'Waiting for the app to upload the shipping info…');
    var uploaded = await pollOrder(function (o) {
      return o.shippingUploaded;
    }, 15000);
    if (!uploaded) {
      show('shipping-result', 'warn', 'Not uploaded yet: check again in a moment.');
      return;
    }
    var view = await shippingView();
    var info = view.shipping || { parcels: [] };
    var parcel = info.parcels[0];
    show(
      'shipping-result',
      'ok',
      chip('uploaded', 'ok'),
      ' ' + (LOGISTICS[info.logisticsType] || 'logistics type ' + info.logisticsType) + (parcel ? ' "' + parcel.itemDesc + '"' : ''),
      ' · WeChat: state ' + view.orderState + ' (' + SHIPPING_STATES[view.orderState] + ') · ',
      fundsChip(view),
    );
    $('shipping-result').setAttribute('data-order-state', String(view.orderState));
    await refreshPushes();
  }

  /** The user confirms receipt in WeChat: WeChat settles and pushes; the app completes the order. */
  async function confirmReceipt() {
    show('receive-result', 'busy', 'The user confirms receipt; WeChat settles the order and pushes to the app…');
    var res = expectOk(await sim('POST', 'confirmReceive', { transactionId: state.order.transactionId }), 'Confirm receipt');
    var pushed = res.push ? pushAnswer(res.push) : null;
    var completed = await pollOrder(function (o) {
      return o.status === 'COMPLETED';
    }, 15000);
    await refreshPushes();
    if (!completed) {
      show(
        'receive-result',
        'error',
        'The order was not completed in time (settlement push answered ' + (pushed ? pushed.code || pushed.msg : 'nothing: no push') + ').',
      );
      return;
    }
    var view = await shippingView();
    show(
      'receive-result',
      'ok',
      chip('completed', 'ok'),
      ' WeChat: state ' + view.orderState + ' (' + SHIPPING_STATES[view.orderState] + ') · ',
      fundsChip(view),
      ' · settlement push answered ',
      pushed ? chip(pushed.code || '…', pushed.ok ? 'ok' : 'error') : chip('no push', 'error'),
      ' · order ' + state.order.status,
    );
    $('receive-result').setAttribute('data-order-state', String(view.orderState));
  }

  /** The template the consent dialog asks for, as the simulator lists it. */
  async function loadTemplate() {
    var id = state.config.orderPaidTemplateId;
    if (!id) {
      show('subscribe-template', 'idle', 'No order-paid template: the app sends no message.');
      return;
    }
    var res = await sim('GET', 'subscribeTemplates?appId=' + encodeURIComponent(state.config.appId));
    var template = ((res.ok && res.body.templates) || []).filter(function (t) {
      return t.templateId === id;
    })[0];
    state.template = template || null;
    var keywords = template
      ? template.content
          .trim()
          .split('\n')
          .map(function (line) {
            return line.split(':')[0];
          })
          .join(', ')
      : '';
    show(
      'subscribe-template',
      'idle',
      'Template ',
      el('strong', { text: template ? template.title : '?' }),
      template ? ' (' + template.kind + ': ' + keywords + ') ' : ' ',
      el('code', { text: short(id, 8) }),
    );
  }

  async function notify(kind, copies) {
    show('notify-result', 'busy', 'The simulator sends a ' + kind + ' payment notification…');
    var res = expectOk(await sim('POST', 'notify', { outTradeNo: state.order.outTradeNo, kind: kind, copies: copies }), 'Notify');
    var answers = (res.notifications || []).map(lastAnswer);
    var counts = {};
    var good = {};
    answers.forEach(function (a) {
      var key = a.code || 'no answer';
      counts[key] = (counts[key] || 0) + 1;
      good[key] = a.ok;
    });
    await fetchOrder(false);
    await refreshNotifications();
    var parts = Object.keys(counts).map(function (code) {
      return chip(code + (counts[code] > 1 ? ' ×' + counts[code] : ''), good[code] ? 'ok' : 'error');
    });
    var msg = answers[0] && answers[0].code && !answers[0].ok && answers[0].msg ? ' (' + answers[0].msg + ')' : '';
    var unchanged = state.order.fulfilledCount === 1 ? 'still ' : '';
    var args = ['notify-result', 'ok', kind + (copies > 1 ? ' ×' + copies : '') + ' → app answered '];
    args = args.concat(parts);
    args.push(msg + ' · fulfilledCount ' + unchanged + state.order.fulfilledCount);
    show.apply(null, args);
    $('notify-result').setAttribute('data-kind', kind);
  }

  var FAULTS = {
    busy: { fault: { path: '/sns/jscode2session', errcode: -1, count: 3 }, label: 'errcode -1 (busy)' },
    limit: { fault: { path: '/sns/jscode2session', errcode: 45011, count: 1 }, label: 'errcode 45011 (rate limit)' },
  };

  /** A new user logs in while WeChat misbehaves (the signed-in user is left alone). */
  async function fault(name) {
    var f = FAULTS[name];
    show('fault-result', 'busy', 'Injecting ' + f.label + ' on jscode2session…');
    var added = expectOk(await sim('POST', 'faults', f.fault), 'POST /__sim/faults');
    try {
      var wx = expectOk(await sim('POST', 'login', {}), 'wx.login()');
      var res = await exchange('app', 'POST', '/miniprogram_auth/login', { code: wx.code }, {});
      var calls = expectOk(await sim('GET', 'calls'), 'GET /__sim/calls').calls || [];
      var hits = calls.filter(function (c) {
        return c.faultId === added.id;
      }).length;
      var how =
        ' · WeChat answered ' + f.label + ' ' + hits + '×' + (hits > 1 ? ' (the app retried ' + (hits - 1) + '×)' : ' (not retried)');
      if (res.ok) show('fault-result', 'error', 'Expected an error, but the login succeeded' + how);
      else show('fault-result', 'warn', chip(String(res.status), 'error'), ' ' + describeError(res, true) + how);
      $('fault-result').setAttribute('data-status', String(res.status));
    } finally {
      await sim('DELETE', 'faults');
    }
  }

  async function refund() {
    show('refund-result', 'busy', 'Requesting the refund…');
    var res = expectOk(await app('POST', '/orders/' + state.order.id + '/refund', {}), 'Refund');
    show('refund-result', 'busy', 'Refund ' + short(res.outRefundNo, 10) + ' ' + res.status + '; waiting for the refund notification…');
    var done = await pollOrder(function (o) {
      return o.status === 'REFUNDED';
    }, 20000);
    await refreshNotifications();
    if (!done) {
      show('refund-result', 'error', 'The refund did not settle in time.');
      return;
    }
    show(
      'refund-result',
      'ok',
      chip('refunded', 'ok'),
      ' ' + fen(state.order.refundedFee) + ' back · order ' + state.order.status + ', payStatus ' + state.order.payStatus,
    );
  }

  // ---------------------------------------------------------------- wiring

  /** Runs a step with the buttons locked; a failure is shown in the step's result line. */
  function bind(buttonId, resultId, step) {
    var button = $(buttonId);
    button.addEventListener('click', async function () {
      if (state.busy) return;
      setBusy(true, button);
      try {
        await step();
      } catch (error) {
        show(resultId, 'error', error instanceof StepError ? error.message : 'Unexpected error: ' + (error && error.message));
      } finally {
        setBusy(false, button);
      }
    });
  }

  async function start() {
    var res = await exchange('app', 'GET', '/console/config');
    if (!res.ok || !res.body || res.body.mode !== 'simulator') {
      $('mode').textContent = 'no simulator';
      $('endpoints').textContent = 'The console needs the sample app in simulator mode.';
      document.body.classList.add('unavailable');
      return;
    }
    state.config = res.body;
    $('mode').textContent = 'simulator';
    var payVersion = res.body.payApiVersion === 'v3' ? 'v3' : 'v2';
    $('pay-version').textContent = 'Pay ' + payVersion;
    $('pay-version').hidden = false;
    document.body.setAttribute('data-pay', payVersion);
    $('endpoints').textContent = res.body.appId + ' · simulator ' + res.body.simulatorUrl.replace(/^https?:\/\//, '') + ' via /sim';
    $('endpoints').title = 'App ' + window.location.origin + ', WeChat simulator ' + res.body.simulatorUrl + ' (reached through /sim)';
    bind('btn-login', 'login-result', login);
    bind('btn-profile', 'profile-result', saveProfile);
    bind('btn-code', 'code-result', myCode);
    bind('btn-phone', 'phone-result', phone);
    bind('btn-subscribe-accept', 'subscribe-result', function () {
      return subscribe(true);
    });
    bind('btn-subscribe-reject', 'subscribe-result', function () {
      return subscribe(false);
    });
    bind('btn-order', 'pay-result', createOrder);
    bind('btn-pay', 'pay-result', pay);
    bind('btn-confirm', 'pay-result', confirmPayment);
    bind('btn-shipping', 'shipping-result', showShipping);
    bind('btn-receive', 'receive-result', confirmReceipt);
    bind('btn-duplicate', 'notify-result', function () {
      return notify('duplicate', 5);
    });
    bind('btn-forged', 'notify-result', function () {
      // The simulator's variant names differ: v2 forges the XML sign, v3 the Wechatpay-Signature header.
      return notify(state.config.payApiVersion === 'v3' ? 'forged-signature' : 'forged-sign', 1);
    });
    bind('btn-fault-busy', 'fault-result', function () {
      return fault('busy');
    });
    bind('btn-fault-limit', 'fault-result', function () {
      return fault('limit');
    });
    bind('btn-refund', 'refund-result', refund);
    // The steps of console-money.js (cash back, the split, reconciliation), with what they need of this file.
    var kit = {
      state: state,
      $: $,
      el: el,
      chip: chip,
      show: show,
      short: short,
      fen: fen,
      app: app,
      sim: sim,
      expectOk: expectOk,
      StepError: StepError,
      bind: bind,
      sleep: sleep,
      fetchOrder: fetchOrder,
      pollOrder: pollOrder,
      createOrder: createOrder,
      renderParams: renderParams,
      lastAnswer: lastAnswer,
      refreshNotifications: refreshNotifications,
    };
    (window.consoleSteps || []).forEach(function (register) {
      extensions.push(register(kit) || {});
    });
    $('btn-notifications').addEventListener('click', function () {
      refreshNotifications();
    });
    $('btn-pushes').addEventListener('click', function () {
      refreshPushes();
    });
    $('btn-messages').addEventListener('click', function () {
      refreshMessages();
    });
    $('btn-clear-log').addEventListener('click', function () {
      $('log').textContent = '';
      logCount = 0;
      $('log-count').textContent = '0 exchanges';
    });
    await loadTemplate();
    document.body.setAttribute('data-ready', 'yes');
    refreshButtons();
  }

  start();
})();
