using System.CommandLine;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Serving;
using Herd.Node.Tokenization;

namespace Herd.Node.Cli;

/// <summary><c>generate</c>: runs one prompt and prints only the generated text on standard output.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var prompt = new Option<string>("--prompt") { Description = "the text to continue (or, with --chat, the user's message)", Required = true };
        var chat = new Option<bool>("--chat") { Description = "send the prompt as a user message through the model's chat template" };
        var system = new Option<string?>("--system") { Description = "a system message (with --chat)" };
        var adapters = new Option<string?>("--adapters") { Description = "a folder of LoRA adapters in PEFT's format, one subfolder each" };
        var adapter = new Option<string?>("--adapter") { Description = "run with this adapter of --adapters (its subfolder's name)" };
        var model = new ModelArguments(defaultMaxSequences: 1);
        var sampling = new SamplingArguments();
        var command = new Command("generate", "Generate text from a prompt with a local model.") { prompt, chat, system, adapters, adapter };
        model.AddTo(command);
        sampling.AddTo(command);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var loggers = CliLogging.Create();
            await using var served = model.Load(parsed, loggers, adapters: new AdapterOptions { Folder = parsed.GetValue(adapters) });
            var selection = parsed.GetValue(adapter) is { } name ? new AdapterSelection.Named([new WeightedName(name, 1.0)]) : null;
            var input = parsed.GetValue(chat)
                ? PromptInput.FromChat(Turns(parsed.GetValue(system), parsed.GetRequiredValue(prompt)))
                : PromptInput.FromText(parsed.GetRequiredValue(prompt));
            var output = Console.Out;
            await foreach (var generationEvent in served.GenerateAsync("cli", input, sampling.Apply(parsed, served.DefaultSampling), selection, cancellationToken))
            {
                switch (generationEvent)
                {
                    case GeneratedText text:
                        await output.WriteAsync(text.Text);
                        await output.FlushAsync(cancellationToken);
                        break;
                    case GenerationFailed failed:
                        throw new EngineUnavailableException(failed.Message);
                }
            }

            await output.WriteLineAsync();
            return 0;
        });
        return command;
    }

    private static List<ChatTurn> Turns(string? system, string user) =>
        system is null ? [new(ChatTurn.UserRole, user)] : [new(ChatTurn.SystemRole, system), new(ChatTurn.UserRole, user)];
}
