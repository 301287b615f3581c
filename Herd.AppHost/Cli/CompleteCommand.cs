using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;

namespace Herd.AppHost.Cli;

/// <summary>
/// <c>complete</c>: streams one completion through a gateway to the console, the quickest way to
/// try a running herd: <c>complete --gateway URL --key KEY --prompt TEXT [--model NAME] [--max-tokens N]</c>.
/// </summary>
internal static class CompleteCommand
{
    public const string Name = "complete";
    private const string Usage = "usage: complete --gateway <grpc url> --key <api key> --prompt <text> [--model herd-tiny] [--max-tokens 32]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        if (!TryParse(args, out var options, out var problem))
        {
            await errors.WriteLineAsync($"{problem}\n{Usage}");
            return 2;
        }

        using var channel = GrpcChannel.ForAddress(options.Gateway);
        var client = new Completions.CompletionsClient(channel);
        var request = new CompletionRequest
        {
            Model = options.Model,
            Prompt = options.Prompt,
            Sampling = new SamplingParams { MaxTokens = options.MaxTokens },
        };
        try
        {
            using var call = client.Complete(request, new Metadata { { "authorization", "Bearer " + options.Key } });
            await foreach (var completionEvent in call.ResponseStream.ReadAllAsync())
            {
                if (completionEvent.Delta is { } delta)
                {
                    await output.WriteAsync(delta.Text);
                    await output.FlushAsync();
                }
                else if (completionEvent.Done is { } done)
                {
                    await output.WriteLineAsync();
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"[{done.FinishReason.ToString().ToLowerInvariant()}: {done.Usage.PromptTokens} prompt + {done.Usage.CompletionTokens} completion tokens on {done.NodeId}, fee {done.Fee}, ledger id {done.LedgerId}]"));
                }
            }

            return 0;
        }
        catch (RpcException exception)
        {
            await errors.WriteLineAsync($"{exception.StatusCode}: {exception.Status.Detail}");
            return 1;
        }
    }

    private static bool TryParse(IReadOnlyList<string> args, out Options options, out string problem)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        options = new Options(string.Empty, string.Empty, string.Empty, "herd-tiny", 32);
        problem = string.Empty;
        for (var i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                problem = $"'{args[i]}' is not an option with a value.";
                return false;
            }

            values[args[i][2..]] = args[i + 1];
        }

        foreach (var required in new[] { "gateway", "key", "prompt" })
        {
            if (!values.ContainsKey(required))
            {
                problem = $"--{required} is missing.";
                return false;
            }
        }

        if (!Uri.TryCreate(values["gateway"], UriKind.Absolute, out var gateway) || gateway.Scheme is not ("http" or "https"))
        {
            problem = $"--gateway must be the gateway's gRPC URL, such as http://127.0.0.1:5200, not '{values["gateway"]}'.";
            return false;
        }

        var maxTokens = 32;
        if (values.TryGetValue("max-tokens", out var text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxTokens) || maxTokens < 1))
        {
            problem = $"--max-tokens must be a whole number above 0, not '{text}'.";
            return false;
        }

        options = new Options(values["gateway"], values["key"], values["prompt"], values.GetValueOrDefault("model", "herd-tiny"), maxTokens);
        return true;
    }

    private sealed record Options(string Gateway, string Key, string Prompt, string Model, int MaxTokens);
}
