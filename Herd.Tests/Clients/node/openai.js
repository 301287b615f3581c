// The official openai package against Herd's HTTP API, as a Node.js program would use it.
// Usage: node openai.js <base url> <api key> <model> <prompt> <max tokens> <stop sequence>
// Prints one JSON object with what each call answered.
const OpenAI = require("openai");

async function main() {
  const [baseURL, apiKey, model, prompt, maxTokensText, stop] = process.argv.slice(2);
  const maxTokens = Number(maxTokensText);
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const messages = [{ role: "user", content: prompt }];

  const chat = await client.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0, n: 2 });

  let chatStreamed = "";
  let chatStreamUsage = null;
  const chatStream = await client.chat.completions.create({
    model, messages, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  for await (const chunk of chatStream) {
    if (chunk.choices.length > 0) chatStreamed += chunk.choices[0].delta.content ?? "";
    if (chunk.usage) chatStreamUsage = chunk.usage;
  }

  const text = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0, logprobs: 2 });
  const textStopped = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0, stop: [stop] });

  let textStreamed = "";
  const textStream = await client.completions.create({ model, prompt, max_tokens: maxTokens, temperature: 0, stream: true });
  for await (const chunk of textStream) {
    textStreamed += chunk.choices.map((choice) => choice.text).join("");
  }

  // The package asks for base64 and decodes it, as OpenAI's Python client does.
  const embedded = await client.embeddings.create({ model, input: [prompt, "A second text"] });

  const models = [];
  for await (const listed of client.models.list()) models.push(listed.id);

  let refused = null;
  try {
    await client.chat.completions.create({ model: "no-such-model", messages });
  } catch (error) {
    refused = { status: error.status, code: error.code, type: error.type };
  }

  process.stdout.write(JSON.stringify({
    chat: chat.choices.map((choice) => choice.message.content),
    chatUsage: chat.usage,
    chatStreamed,
    chatStreamUsage,
    text: text.choices[0].text,
    textTokens: text.choices[0].logprobs.tokens.length,
    textUsage: text.usage,
    textStopped: textStopped.choices[0].text,
    textStreamed,
    embeddings: embedded.data.map((item) => Array.from(item.embedding)),
    embeddingUsage: embedded.usage,
    models,
    refused,
  }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
