// The @openai/agents side of the peer benchmark (bench/peers): an Agent
// with two function tools on an in-memory contact, its Chat Completions
// model pointed at the scripted OpenAI-compatible server, each turn one
// run(agent, message) — a new conversation — with the turn's contact as
// the run context.
//
//   node run.mjs --base-url http://127.0.0.1:PORT/v1 --turns N --concurrency C [--instructions-file F]
//     runs one block and prints its result as JSON;
//   node run.mjs --base-url … --serve
//     prints {"ready":true}, then reads commands on stdin, one JSON object a
//     line ({"cmd":"block","turns":N,"concurrency":C}), and prints one JSON
//     result a line: the Go harness keeps one warm process for all blocks.
//
// A result: {turns, wall_ms, lat_ms: [...], cpu_us (process.cpuUsage(),
// user + system, during the block), tool_calls, verified (turns whose
// contact ended with the field and the tag)}, or {error}.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';

const VISITOR_MESSAGE = 'Budget 150 €, et je veux une coloration';
const FINAL_REPLY = "C'est noté !";

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'instructions-file': { type: 'string' },
    turns: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    serve: { type: 'boolean', default: false },
  },
});
if (!args['base-url']) {
  console.error('run.mjs: --base-url is required (the scripted server, ending in /v1)');
  process.exit(2);
}

// No traces leave the machine (the SDK would export them to OpenAI).
setTracingDisabled(true);

let toolCalls = 0;

const updateContactFields = tool({
  name: 'update_contact_fields',
  description: 'Update one or more custom fields of the contact.',
  parameters: z.object({
    fields: z.array(z.object({ field: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) })),
  }),
  async execute({ fields }, runContext) {
    const contact = runContext.context;
    for (const f of fields) contact.fields[f.field.toLowerCase()] = f.value;
    toolCalls++;
    return { ok: true, updated: fields.length };
  },
});

const tagContact = tool({
  name: 'tag_contact',
  description: 'Add a tag to the contact.',
  parameters: z.object({ tag: z.string() }),
  async execute({ tag }, runContext) {
    const contact = runContext.context;
    if (!contact.tags.includes(tag)) contact.tags.push(tag);
    toolCalls++;
    return { ok: true, tagged: tag };
  },
});

const client = new OpenAI({ baseURL: args['base-url'], apiKey: 'peers' });
const instructions = args['instructions-file']
  ? readFileSync(args['instructions-file'], 'utf8')
  : 'You are a helpful assistant.';
const agent = new Agent({
  name: 'Assistante Salon',
  instructions,
  model: new OpenAIChatCompletionsModel(client, 'gpt-4o-mini'),
  tools: [updateContactFields, tagContact],
});

async function block(turns, concurrency) {
  const contacts = Array.from({ length: turns }, () => ({ fields: {}, tags: [] }));
  const lat = new Array(turns);
  const calls0 = toolCalls;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  async function worker() {
    for (let i = next++; i < turns; i = next++) {
      const t0 = performance.now();
      const result = await run(agent, VISITOR_MESSAGE, { context: contacts[i] });
      lat[i] = performance.now() - t0;
      if (result.finalOutput !== FINAL_REPLY) {
        throw new Error(`turn ${i}: the agent answered ${JSON.stringify(result.finalOutput)}, want ${JSON.stringify(FINAL_REPLY)}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, turns) }, worker));
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const verified = contacts.filter((c) => c.fields.budget === 150 && c.tags.includes('coloration')).length;
  return { turns, wall_ms: wall, lat_ms: lat, cpu_us: cpu.user + cpu.system, tool_calls: toolCalls - calls0, verified };
}

async function answer(turns, concurrency) {
  try {
    return await block(turns, concurrency);
  } catch (err) {
    return { error: String(err?.stack ?? err) };
  }
}

if (args.serve) {
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (err) {
      process.stdout.write(JSON.stringify({ error: `not JSON: ${line}` }) + '\n');
      continue;
    }
    const out = cmd.cmd === 'block' ? await answer(cmd.turns, cmd.concurrency) : { error: `unknown command ${cmd.cmd}` };
    process.stdout.write(JSON.stringify(out) + '\n');
  }
} else {
  const out = await answer(Number(args.turns), Number(args.concurrency));
  process.stdout.write(JSON.stringify(out) + '\n');
  if (out.error) process.exitCode = 1;
}
