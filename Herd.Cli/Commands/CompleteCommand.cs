using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Herd.Contracts.V1;

namespace Herd.Cli.Commands;

/// <summary>
/// <c>complete</c>: streams one completion through a gateway to the console, the quickest way to
/// try a running herd. Exit code 0 when it completed, 1 when the gateway refused or failed it, 2
/// for bad arguments.
/// </summary>
internal static class CompleteCommand
{
    public const string Name = "complete";

    public static Command Create()
    {
        var gateway = new Option<Uri>("--gateway")
        {
            Description = "the gateway's gRPC URL, such as http://localhost:5200",
            Required = true,
            CustomParser = result => ParseGateway(result.Tokens[0].Value, result),
        };
        var key = new Option<string>("--key") { Description = "an API key (herd_…)", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "the text to complete", Required = true };
        var model = new Option<string>("--model") { Description = "the model to ask", DefaultValueFactory = _ => "herd-tiny" };
        var maxTokens = new Option<int>("--max-tokens")
        {
            Description = "the most tokens to generate",
            DefaultValueFactory = _ => 32,
            CustomParser = result => ParseMaxTokens(result.Tokens[0].Value, result),
        };

        var command = new Command(Name, "Stream one completion through a gateway.") { gateway, key, prompt, model, maxTokens };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            parsed.GetRequiredValue(gateway),
            parsed.GetRequiredValue(key),
            new CompletionRequest
            {
                Model = parsed.GetRequiredValue(model),
                Prompt = parsed.GetRequiredValue(prompt),
                Sampling = new SamplingParams { MaxTokens = parsed.GetValue(maxTokens) },
            },
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Uri gateway, string key, CompletionRequest request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(gateway);
        var client = new Completions.CompletionsClient(channel);
        try
        {
            using var call = client.Complete(request, new Metadata { { "authorization", "Bearer " + key } }, cancellationToken: cancellationToken);
            await foreach (var completionEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (completionEvent.Delta is { } delta)
                {
                    await output.WriteAsync(delta.Text);
                    await output.FlushAsync(cancellationToken);
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

    private static int ParseMaxTokens(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        result.AddError($"--max-tokens must be a whole number above 0, not '{text}'.");
        return 0;
    }

    private static Uri ParseGateway(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        result.AddError($"--gateway must be the gateway's gRPC URL, such as http://localhost:5200, not '{text}'.");
        return new Uri("http://localhost");
    }
}
