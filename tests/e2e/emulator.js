'use strict';
// The Telegram Bot API emulator of the end-to-end tests: telegram-test-api 4.2.1, untouched,
// behind a few express routes of ours so that python-telegram-bot 22 can talk to it.
//
// What stock 4.2.1 lacks, and what this file adds in front of its own routes:
// - getMe without `is_bot`, bot messages dated in milliseconds, callback queries without
//   `chat_instance`: answered or reformatted here;
// - getUpdates ignoring `offset` and `timeout`: replaced by real long polling with
//   confirmation by offset, so a killed bot gets its unconfirmed updates again;
// - no sendDocument, getFile, setMyCommands or sendChatAction: added; uploaded documents are
//   kept in memory for the test to download from /e2e/files/<file_id>;
// - no way for a user to send a file: POST /e2e/upload stores the request body as a file
//   and returns its `document` object, which the test then sends in a user message; the
//   bot fetches it as from Telegram (getFile, then GET /file/bot<token>/<file_path>), and
//   each getFile and download is recorded in the bot's /e2e/state (`fileRequests`);
// - editMessageText answering null: answered with the edited message.
// Two of the package's methods are wrapped (addBotMessage, editMessageText) and its
// webhook delivery (addUserUpdate) is replaced so it sends the secret token header.
//
// Usage: node emulator.js [--host 127.0.0.1] [--port 0]
// Prints one line `LISTENING <port>` on stdout once it accepts connections.

const http = require('http');
const express = require('express');
const TelegramServer = require('telegram-test-api');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const host = option('host', '127.0.0.1');
const port = Number(option('port', '0'));

// storeTimeout: keep every message for the whole run (the package drops older ones).
const server = new TelegramServer({ host, port: port || 9000, storeTimeout: 24 * 3600 });
const packageApp = server.webServer;

const bots = new Map();
const files = new Map();
const waiters = new Set();
let nextFileId = 1;

function botState(token) {
  if (!bots.has(token)) {
    bots.set(token, {
      confirmed: 0,
      getUpdatesCalls: 0,
      commands: null,
      chatActions: [],
      callbackAnswers: [],
      delivered: [],
      fileRequests: [],
      webhook: null,
    });
  }
  return bots.get(token);
}

function botUser(token) {
  const id = Number(String(token).split(':')[0]) || 1;
  return { id, is_bot: true, first_name: 'Báo cáo', username: 'baocao_test_bot' };
}

function chatOf(chatId) {
  const id = Number(chatId);
  return id < 0
    ? { id, type: 'group', title: 'Nhóm thử' }
    : { id, type: 'private', first_name: 'Người dùng' };
}

function params(req) {
  const body = req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body) ? req.body : {};
  return { ...req.query, ...body };
}

function parseJson(value) {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function findBotMessage(chatId, messageId) {
  return server.storage.botMessages.find((stored) => (
    String(stored.messageId) === String(messageId)
    && String(stored.message.chat_id) === String(chatId)));
}

// A stored bot message as the Bot API returns it: dates in seconds, only Message fields.
function botMessageView(stored) {
  const raw = stored.message;
  const view = {
    message_id: stored.messageId,
    from: botUser(stored.botToken),
    chat: chatOf(raw.chat_id),
    date: Math.floor(stored.time / 1000),
  };
  if (raw.text !== undefined) view.text = String(raw.text);
  if (raw.caption !== undefined) view.caption = String(raw.caption);
  if (raw.document) view.document = raw.document;
  if (raw.reply_markup && raw.reply_markup.inline_keyboard) {
    view.reply_markup = { inline_keyboard: raw.reply_markup.inline_keyboard };
  }
  if (stored.editTime) view.edit_date = Math.floor(stored.editTime / 1000);
  return view;
}

// The message a callback query carries: the bot message pressed, as the Bot API shows it.
function pressedMessage(message, token) {
  if (message && message.message_id !== undefined && message.chat) {
    const stored = findBotMessage(message.chat.id, message.message_id);
    if (stored && stored.botToken === token) return botMessageView(stored);
  }
  return message;
}

function formatUpdate(update) {
  if ('raw' in update) return { ...update.raw, update_id: update.updateId };
  if ('callbackQuery' in update) {
    const query = update.callbackQuery;
    const message = pressedMessage(query.message, update.botToken);
    const chatId = message && message.chat ? message.chat.id : query.from.id;
    return {
      update_id: update.updateId,
      callback_query: {
        id: String(update.callbackId),
        from: query.from,
        message,
        chat_instance: String(query.chat_instance || chatId),
        data: query.data,
      },
    };
  }
  const message = { ...update.message, message_id: update.messageId };
  delete message.botToken;
  if (message.date === undefined) message.date = Math.floor(update.time / 1000);
  return { update_id: update.updateId, message };
}

function wake() {
  for (const resolve of waiters) resolve();
  waiters.clear();
}

function waitForUpdate(milliseconds) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiters.delete(done);
      resolve();
    }, milliseconds);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    waiters.add(done);
  });
}

// -- the package's methods, wrapped ---------------------------------------------------------

const addBotMessage = server.addBotMessage.bind(server);
server.addBotMessage = (rawMessage, botToken) => {
  addBotMessage(rawMessage, botToken);
  return botMessageView(server.storage.botMessages[server.storage.botMessages.length - 1]);
};

const editMessageText = server.editMessageText.bind(server);
server.editMessageText = (rawMessage) => {
  const stored = findBotMessage(rawMessage.chat_id, rawMessage.message_id);
  if (!stored) return null;
  editMessageText(rawMessage);
  if (!('reply_markup' in rawMessage)) {
    // The Bot API removes an inline keyboard that an edit does not repeat.
    delete stored.message.reply_markup;
  }
  stored.edits = (stored.edits || 0) + 1;
  stored.editTime = Date.now();
  return botMessageView(stored);
};

// Webhook delivery with the secret token header, which the package does not send.
server.addUserUpdate = async (update) => {
  const webhook = server.webhooks[update.botToken];
  server.storage.userMessages.push(update);
  server.updateId += 1;
  if (!webhook) return;
  const headers = { 'content-type': 'application/json' };
  if (webhook.secret_token) headers['x-telegram-bot-api-secret-token'] = webhook.secret_token;
  try {
    const response = await fetch(webhook.url, {
      method: 'POST', headers, body: JSON.stringify(formatUpdate(update)),
    });
    if (response.ok) botState(update.botToken).confirmed = update.updateId + 1;
    else console.error(`webhook answered ${response.status}`);
  } catch (error) {
    console.error(`webhook failed: ${error}`);
  }
};
for (const name of ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery']) {
  server.on(name, wake);
}

// -- multipart uploads (sendDocument) -------------------------------------------------------

function parseMultipart(body, contentType) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType || '');
  if (!match) throw new Error('multipart body without boundary');
  const boundary = Buffer.from(`--${match[1] || match[2]}`);
  const fields = {};
  let start = body.indexOf(boundary);
  while (start >= 0) {
    start += boundary.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    start += 2;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headerEnd);
    if (headerEnd < 0 || next < 0) throw new Error('truncated multipart body');
    const headers = body.subarray(start, headerEnd).toString('utf8');
    const content = body.subarray(headerEnd + 4, next);
    const name = /name="([^"]*)"/i.exec(headers)[1];
    const fileName = /filename="([^"]*)"/i.exec(headers);
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers);
    fields[name] = fileName
      ? { fileName: fileName[1], data: content, mimeType: type ? type[1].trim() : null }
      : content.toString('utf8');
    start = next + 2;
  }
  return fields;
}

// -- routes in front of the package's -------------------------------------------------------

const app = express();
app.use(express.json({ limit: '5mb' }));
app.use(express.urlencoded({ extended: true, limit: '5mb' }));
app.use(express.raw({ type: 'multipart/form-data', limit: '50mb' }));

function bot(method, handler) {
  app.all(`/bot:token/${method}`, async (req, res) => {
    try {
      const result = await handler(req.params.token, params(req), req);
      if (result && result.error) {
        res.status(result.error).json({ ok: false, error_code: result.error, description: result.description });
      } else {
        res.json({ ok: true, result });
      }
    } catch (error) {
      res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: ${error.message}` });
    }
  });
}

bot('getMe', (token) => ({
  ...botUser(token),
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
}));

bot('getUpdates', async (token, p) => {
  const state = botState(token);
  state.getUpdatesCalls += 1;
  const offset = Number(p.offset || 0);
  if (offset > state.confirmed) state.confirmed = offset;
  const limit = Number(p.limit || 100);
  const pending = () => [...server.storage.userMessages, ...rawUpdates]
    .filter((update) => update.botToken === token && update.updateId >= state.confirmed)
    .sort((a, b) => a.updateId - b.updateId)
    .slice(0, limit);
  let updates = pending();
  const timeout = Number(p.timeout || 0);
  if (!updates.length && timeout > 0) {
    await waitForUpdate(timeout * 1000);
    updates = pending();
  }
  state.delivered.push(...updates.map((update) => update.updateId));
  return updates.map(formatUpdate);
});

bot('setWebhook', (token, p) => {
  const state = botState(token);
  state.webhook = { url: p.url, secret_token: p.secret_token || null };
  server.setWebhook(state.webhook, token);
  return true;
});

bot('setMyCommands', (token, p) => {
  botState(token).commands = parseJson(p.commands);
  return true;
});

bot('getMyCommands', (token) => botState(token).commands || []);

bot('sendChatAction', (token, p) => {
  botState(token).chatActions.push({ chat_id: Number(p.chat_id), action: p.action });
  return true;
});

bot('answerCallbackQuery', (token, p) => {
  botState(token).callbackAnswers.push({ id: String(p.callback_query_id), text: p.text || null });
  return true;
});

bot('editMessageText', (token, p) => {
  const stored = findBotMessage(p.chat_id, p.message_id);
  if (!stored) return { error: 400, description: 'Bad Request: message to edit not found' };
  const markup = p.reply_markup === undefined ? undefined : JSON.stringify(parseJson(p.reply_markup));
  const before = stored.message.reply_markup === undefined
    ? undefined : JSON.stringify(stored.message.reply_markup);
  if (stored.message.text === p.text && markup === before) {
    return { error: 400, description: 'Bad Request: message is not modified' };
  }
  return server.editMessageText(p);
});

bot('editMessageReplyMarkup', (token, p) => {
  const stored = findBotMessage(p.chat_id, p.message_id);
  if (!stored) return { error: 400, description: 'Bad Request: message to edit not found' };
  if (p.reply_markup === undefined) delete stored.message.reply_markup;
  else stored.message.reply_markup = parseJson(p.reply_markup);
  stored.edits = (stored.edits || 0) + 1;
  stored.editTime = Date.now();
  return botMessageView(stored);
});

bot('sendDocument', (token, p, req) => {
  const fields = Buffer.isBuffer(req.body) ? parseMultipart(req.body, req.headers['content-type']) : p;
  const upload = fields.document;
  if (!upload || !upload.data) return { error: 400, description: 'Bad Request: there is no document in the request' };
  const fileId = `doc-${nextFileId}`;
  nextFileId += 1;
  files.set(fileId, upload);
  const message = {
    chat_id: fields.chat_id,
    document: {
      file_id: fileId,
      file_unique_id: `unique-${fileId}`,
      file_name: upload.fileName,
      mime_type: upload.mimeType || 'application/octet-stream',
      file_size: upload.data.length,
    },
  };
  if (fields.caption !== undefined) message.caption = fields.caption;
  if (fields.reply_markup !== undefined) message.reply_markup = fields.reply_markup;
  return server.addBotMessage(message, token);
});

bot('getFile', (token, p) => {
  botState(token).fileRequests.push({ request: 'getFile', file_id: String(p.file_id) });
  const upload = files.get(String(p.file_id));
  if (!upload) return { error: 400, description: 'Bad Request: invalid file_id' };
  return {
    file_id: String(p.file_id),
    file_unique_id: `unique-${p.file_id}`,
    file_size: upload.data.length,
    file_path: `documents/${p.file_id}`,
  };
});

app.get('/file/bot:token/documents/:fileId', (req, res) => {
  botState(req.params.token).fileRequests.push({ request: 'download', file_id: req.params.fileId });
  const upload = files.get(req.params.fileId);
  if (!upload) return res.status(404).end();
  return res.type(upload.mimeType || 'application/octet-stream').send(upload.data);
});

// -- routes for the tests -------------------------------------------------------------------

app.get('/e2e/state', (req, res) => {
  const state = botState(String(req.query.token));
  res.json({ ok: true, result: state });
});

app.get('/e2e/files/:fileId', (req, res) => {
  const upload = files.get(req.params.fileId);
  if (!upload) return res.status(404).end();
  res.set('x-file-name', encodeURIComponent(upload.fileName));
  return res.type('application/octet-stream').send(upload.data);
});

// A file a user is about to send: the raw request body, named by `?file_name=` (and typed by
// `?mime_type=`). Returns the `document` of the message that carries it; getFile and the
// download route above then serve it to the bot like the documents the bot sent.
app.post('/e2e/upload', express.raw({ type: () => true, limit: '25mb' }), (req, res) => {
  const fileName = String(req.query.file_name || '');
  if (!fileName || !Buffer.isBuffer(req.body)) {
    return res.status(400).json({ ok: false, description: 'file_name and a body are needed' });
  }
  const fileId = `upload-${nextFileId}`;
  nextFileId += 1;
  const mimeType = String(req.query.mime_type || 'application/octet-stream');
  files.set(fileId, { fileName, data: req.body, mimeType });
  return res.json({
    ok: true,
    result: {
      file_id: fileId,
      file_unique_id: `unique-${fileId}`,
      file_name: fileName,
      mime_type: mimeType,
      file_size: req.body.length,
    },
  });
});

// An update as raw JSON, delivered as it is (`update_id` added): one the Bot API could send
// but a library may fail to read.
const rawUpdates = [];
app.post('/e2e/raw_update', (req, res) => {
  const updateId = server.updateId;
  server.updateId += 1;
  rawUpdates.push({ botToken: String(req.body.token), updateId, raw: req.body.update });
  wake();
  res.json({ ok: true, result: updateId });
});

// Forgets that the bot confirmed updates from `update_id` on, as when Telegram did not get
// the confirmation before the bot died: the next bot to poll receives them again.
app.post('/e2e/unconfirm', (req, res) => {
  const state = botState(String(req.body.token));
  state.confirmed = Math.min(state.confirmed, Number(req.body.update_id));
  res.json({ ok: true, result: state.confirmed });
});

app.use(packageApp);

const httpServer = http.createServer(app);
httpServer.listen(port, host, () => {
  const actual = httpServer.address().port;
  server.config.apiURL = `http://${host}:${actual}`;
  process.stdout.write(`LISTENING ${actual}\n`);
});

function stop() {
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
