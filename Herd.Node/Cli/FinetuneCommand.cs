using System.CommandLine;
using System.Globalization;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Models;
using Herd.Node.Tokenization;
using Herd.Node.Training;
using Microsoft.Extensions.Logging;

namespace Herd.Node.Cli;

/// <summary><c>finetune</c>: trains a LoRA adapter on instruction/response pairs and writes it in PEFT's format.</summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "the base model: a Hugging Face snapshot folder or a built-in name", DefaultValueFactory = _ => BuiltInModels.HerdTiny.Name };
        var data = new Option<string>("--data") { Description = "a JSONL file of {\"instruction\": ..., \"response\": ...} objects", Required = true };
        var output = new Option<string>("--out") { Description = "the adapter folder to write (adapter_config.json, adapter_model.safetensors)", Required = true };
        var rank = new Option<int>("--rank") { Description = "the adapter's rank r", DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--alpha") { Description = "lora_alpha: the update is scaled by alpha / r (alpha / sqrt(r) with --rslora)", DefaultValueFactory = _ => 16 };
        var targets = new Option<string>("--target-modules") { Description = "comma-separated modules to adapt: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj, or all", DefaultValueFactory = _ => "q_proj,v_proj" };
        var rslora = new Option<bool>("--rslora") { Description = "scale by alpha / sqrt(r) (rank-stabilised LoRA)" };
        var learningRate = new Option<double>("--learning-rate") { Description = "AdamW's learning rate", DefaultValueFactory = _ => 1e-3 };
        var epochs = new Option<int>("--epochs") { Description = "passes over the data", DefaultValueFactory = _ => 3 };
        var batchSize = new Option<int>("--batch-size") { Description = "examples per step", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "seeds the initial A, the order of examples and libtorch", DefaultValueFactory = _ => 1 };
        var maxLength = new Option<int>("--max-length") { Description = "examples are cut to this many tokens", DefaultValueFactory = _ => 512 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads (0: libtorch's choice)" };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        var command = new Command("finetune", "Train a LoRA adapter on instruction/response pairs; it loads in Herd and in PEFT.")
        {
            model, data, output, rank, alpha, targets, rslora, learningRate, epochs, batchSize, seed, maxLength, device, threads,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            var settings = new FineTuneSettings
            {
                Rank = Positive(parsed.GetValue(rank), "--rank"),
                Alpha = parsed.GetValue(alpha) > 0 ? parsed.GetValue(alpha) : throw new InvalidRequestException("--alpha must be above 0."),
                TargetModules = Modules(parsed.GetRequiredValue(targets)),
                UseRslora = parsed.GetValue(rslora),
                LearningRate = parsed.GetValue(learningRate) > 0 ? parsed.GetValue(learningRate) : throw new InvalidRequestException("--learning-rate must be above 0."),
                Epochs = Positive(parsed.GetValue(epochs), "--epochs"),
                BatchSize = Positive(parsed.GetValue(batchSize), "--batch-size"),
                Seed = parsed.GetValue(seed),
                MaxLength = Positive(parsed.GetValue(maxLength), "--max-length"),
            };
            using var loggers = CliLogging.Create();
            var result = FineTune(parsed.GetRequiredValue(model), parsed.GetRequiredValue(data), parsed.GetRequiredValue(output), settings,
                ComputeDevice.Select(parsed.GetRequiredValue(device), parsed.GetValue(threads)), loggers, cancellationToken);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Trained {parsed.GetRequiredValue(output)}: loss by epoch {string.Join(" -> ", result.EpochLosses.Select(loss => loss.ToString("F4", CultureInfo.InvariantCulture)))}"));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Loads the base model for training, trains, and writes the adapter to <paramref name="output"/>.</summary>
    internal static TrainingResult FineTune(string modelName, string dataPath, string output, FineTuneSettings settings, ComputeDevice device, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        // Found now rather than after the training it would have thrown away.
        if (File.Exists(output))
        {
            throw new InvalidRequestException($"--out {output} is a file; give the folder to write the adapter into (it is made if it does not exist).");
        }

        var pairs = ReadPairs(dataPath);
        var folder = new ModelLocator(ModelLocator.DefaultCacheFolder, loggers.CreateLogger<ModelLocator>()).Locate(modelName);
        var config = ModelConfig.Load(folder);
        var tokenizer = ModelTokenizer.Load(folder);
        int? endOfSequence = config.EosTokenId.Count > 0 ? config.EosTokenId[0] : tokenizer.EosTokenIds.Count > 0 ? tokenizer.EosTokenIds[0] : null;
        var examples = pairs.Select(pair => TrainingExample.Encode(pair, tokenizer, endOfSequence, settings.MaxLength)).OfType<TrainingExample>().ToList();
        if (examples.Count == 0)
        {
            throw new InvalidRequestException($"{dataPath}: no example keeps a response token within --max-length {settings.MaxLength}.");
        }

        // Float32 and libtorch's own products: the native kernels have no backward pass.
        using var model = ModelLoader.Load(folder, config, settings.MaxLength, TorchSharp.torch.ScalarType.Float32, device.Device, WeightStorage.Standard);
        var trainer = new LoraTrainer(model, settings);
        var result = trainer.Train(examples, new ProgressBar(Console.Error), cancellationToken);
        PeftAdapter.Save(output, new AdapterSettings(settings.Rank, settings.Alpha, settings.TargetModules, settings.UseRslora, modelName), result.Matrices);
        return result;
    }

    private static IReadOnlyList<InstructionPair> ReadPairs(string path)
    {
        try
        {
            return InstructionFile.Read(path);
        }
        catch (InvalidDataException error)
        {
            throw new InvalidRequestException(error.Message, error);
        }
    }

    /// <summary>The modules a <c>--target-modules</c> value names: a comma-separated list, or <c>all</c>.</summary>
    internal static List<LoraModule> Modules(string text)
    {
        if (text.Trim() == "all")
        {
            return [.. LoraModules.All];
        }

        var modules = new List<LoraModule>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            modules.Add(LoraModules.Parse(name) ?? throw new InvalidRequestException(
                $"--target-modules names '{name}'; choose among {string.Join(", ", LoraModules.All.Select(module => module.Name()))}, or all."));
        }

        return modules.Count > 0 ? [.. modules.Distinct()] : throw new InvalidRequestException("--target-modules names no module.");
    }

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new InvalidRequestException($"{option} must be at least 1.");

    /// <summary>A one-line progress bar with the loss, redrawn in place on a terminal and printed per epoch otherwise.</summary>
    private sealed class ProgressBar(TextWriter writer) : IProgress<TrainingProgress>
    {
        private const int Width = 30;

        public void Report(TrainingProgress value)
        {
            var done = value.Step * Width / value.StepsPerEpoch;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"epoch {value.Epoch}/{value.Epochs} [{new string('#', done)}{new string('.', Width - done)}] {value.Step}/{value.StepsPerEpoch} loss {value.Loss:F4} (epoch mean {value.EpochMeanLoss:F4})");
            var epochDone = value.Step == value.StepsPerEpoch;
            if (!Console.IsErrorRedirected)
            {
                writer.Write("\r" + line + (epochDone ? Environment.NewLine : ""));
            }
            else if (epochDone)
            {
                writer.WriteLine(line);
            }
        }
    }
}
