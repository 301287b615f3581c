using System.CommandLine;
using Herd.Node.Cli;
using Herd.Node.Model;
using Herd.PeerBench.Gguf;
using LLama.Native;

namespace Herd.PeerBench;

/// <summary>
/// The peer benchmark's command line: converts the model to GGUF (cached), loads it in Herd's
/// engine and in llama.cpp in this one process, checks that their greedy tokens agree, then
/// alternates the two round by round on the same measures and prints Markdown tables.
/// </summary>
internal static class PeerBenchCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var format = new Option<string>("--format") { Description = "the weights: f32, bf16 or q8_0 for llama.cpp, and Herd's f32, bf16 or q8 (--weights) to match", DefaultValueFactory = _ => "f32" };
        format.AcceptOnlyFromAmong([.. GgufWeightFormat.All.Select(f => f.Name)]);
        var rounds = new Option<int>("--rounds") { Description = "rounds of every measure, Herd then llama.cpp each time", DefaultValueFactory = _ => 3 };
        var tokens = new Option<int>("--tokens") { Description = "tokens each decode sequence generates", DefaultValueFactory = _ => 128 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "length of the prompt whose prefill is measured", DefaultValueFactory = _ => 512 };
        var concurrency = new Option<int>("--concurrency") { Description = "sequences decoding together for the aggregate measure", DefaultValueFactory = _ => 16 };
        var crossCheckTokens = new Option<int>("--cross-check-tokens") { Description = "greedy tokens a prompt in the cross-check on f32 weights (0 skips it; other formats skip it)", DefaultValueFactory = _ => 16 };
        var kvType = new Option<string>("--llama-kv-type") { Description = "llama.cpp's KV cache: f32 (as Herd's) or f16 (llama.cpp's default)", DefaultValueFactory = _ => "f32" };
        kvType.AcceptOnlyFromAmong("f32", "f16");
        var flashAttention = new Option<string>("--llama-flash-attention") { Description = "llama.cpp's fused attention: auto (its default), on or off", DefaultValueFactory = _ => "auto" };
        flashAttention.AcceptOnlyFromAmong("auto", "on", "off");
        var model = new ModelArguments(defaultMaxSequences: 16, defaultMaxContext: 1024);
        var command = new RootCommand("Herd's engine against llama.cpp (LLamaSharp) on the same model, in one process.")
        {
            format, rounds, tokens, promptTokens, concurrency, crossCheckTokens, kvType, flashAttention,
        };
        model.AddTo(command);
        command.SetAction((parsed, cancellationToken) => new PeerBenchRun(parsed, model, cancellationToken)
        {
            Format = GgufWeightFormat.Parse(parsed.GetRequiredValue(format)),
            Rounds = parsed.GetValue(rounds),
            Tokens = parsed.GetValue(tokens),
            PromptTokens = parsed.GetValue(promptTokens),
            Concurrency = parsed.GetValue(concurrency),
            CrossCheckTokens = parsed.GetValue(crossCheckTokens),
            KvCacheType = parsed.GetRequiredValue(kvType) == "f16" ? GGMLType.GGML_TYPE_F16 : GGMLType.GGML_TYPE_F32,
            FlashAttention = parsed.GetRequiredValue(flashAttention) switch
            {
                "on" => LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_ENABLED,
                "off" => LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED,
                _ => LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_AUTO,
            },
        }.RunAsync());

        try
        {
            return await command.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception error) when (error is ModelLoadException or DirectoryNotFoundException or NotSupportedException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"error: {error.Message}");
            return 2;
        }
    }
}
