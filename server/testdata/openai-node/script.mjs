// The official openai npm client against causerie's OpenAI-compatible
// endpoint. TestOpenAINodeClient (server/openai_clients_test.go) runs it
// with the server's base URL and keys in the environment, and checks what
// it prints (one JSON object) and what the store holds after.
import OpenAI from "openai";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const baseURL = env("CAUSERIE_BASE_URL");
const model = env("CAUSERIE_MODEL");
const client = new OpenAI({ baseURL, apiKey: env("CAUSERIE_API_KEY"), maxRetries: 0, timeout: 30_000 });
const out = {};

// What an error of the client says.
const failure = (e) => {
  if (!(e instanceof OpenAI.APIError)) throw e;
  return { class: e.constructor.name, status: e.status, type: e.type, code: e.code, param: e.param, message: e.error?.message };
};

out.models = (await client.models.list()).data;

// Not streamed: the AI agent tags the contact, then replies.
{
  const { data, response } = await client.chat.completions
    .create({
      model,
      messages: [
        { role: "system", content: "Ignored: the conversation's history is the source of truth." },
        { role: "user", content: "Bonjour, je suis une nouvelle cliente" },
      ],
      temperature: 0.3,
    })
    .withResponse();
  out.completion = {
    conversation: response.headers.get("x-causerie-conversation"),
    object: data.object,
    model: data.model,
    content: data.choices[0].message.content,
    finish_reason: data.choices[0].finish_reason,
    usage: data.usage,
    causerie: data.causerie,
  };
}

// Streamed, continuing the conversation through `user`.
{
  const { data: stream, response } = await client.chat.completions
    .create({
      model,
      user: out.completion.conversation,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Combien coûte une coupe ?" }],
    })
    .withResponse();
  const s = { conversation: response.headers.get("x-causerie-conversation"), chunks: 0, content: "", roles: [] };
  for await (const chunk of stream) {
    s.chunks++;
    const choice = chunk.choices[0];
    if (choice?.delta?.role) s.roles.push(choice.delta.role);
    if (choice?.delta?.content) s.content += choice.delta.content;
    if (choice?.finish_reason) s.finish_reason = choice.finish_reason;
    if (chunk.causerie) s.causerie = chunk.causerie;
    if (chunk.usage) s.usage = chunk.usage;
  }
  out.stream = s;
}

// The helper that accumulates a stream into a completion.
{
  const runner = client.chat.completions.stream({
    model,
    user: out.completion.conversation,
    messages: [{ role: "user", content: "Et une coloration ?" }],
  });
  const final = await runner.finalChatCompletion();
  out.runner = { content: final.choices[0].message.content, finish_reason: final.choices[0].finish_reason };
}

// Refused requests.
out.errors = {};
for (const [name, body] of Object.entries({
  unknown_model: { model: "gpt-4o", messages: [{ role: "user", content: "Bonjour" }] },
  n2: { model, n: 2, messages: [{ role: "user", content: "Bonjour" }] },
  tools: {
    model,
    messages: [{ role: "user", content: "Bonjour" }],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }],
  },
  no_user_message: { model, messages: [{ role: "system", content: "Bonjour" }] },
  unknown_model_streamed: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Bonjour" }] },
})) {
  try {
    await client.chat.completions.create(body);
    out.errors[name] = "accepted";
  } catch (e) {
    out.errors[name] = failure(e);
  }
}
try {
  const revoked = new OpenAI({ baseURL, apiKey: env("CAUSERIE_REVOKED_KEY"), maxRetries: 0 });
  await revoked.chat.completions.create({ model, messages: [{ role: "user", content: "Bonjour" }] });
  out.errors.revoked_key = "accepted";
} catch (e) {
  out.errors.revoked_key = failure(e);
}

console.log(JSON.stringify(out));
