using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Herd.Node.Models;

/// <summary>
/// Turns what a user names as a model, a snapshot folder or a built-in name, into a folder on
/// disk, generating a built-in model into the model cache the first time it is asked for.
/// </summary>
public sealed partial class ModelLocator(string cacheFolder, ILogger<ModelLocator> logger)
{
    /// <summary>HERD_MODEL_CACHE, else ~/.cache/herd/models.</summary>
    public static string DefaultCacheFolder =>
        Environment.GetEnvironmentVariable("HERD_MODEL_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "herd", "models");

    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a built-in model has that name.</exception>
    public string Locate(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Directory.Exists(model))
        {
            return Path.GetFullPath(model);
        }

        var builtIn = BuiltInModels.Find(model) ?? throw new DirectoryNotFoundException(
            $"No model folder '{model}' exists, and it is not a built-in model ({string.Join(", ", BuiltInModels.All.Select(m => m.Name))}). Give a Hugging Face snapshot folder with config.json, *.safetensors and tokenizer files.");
        return Materialise(builtIn);
    }

    private string Materialise(BuiltInModel model)
    {
        var folder = Path.Combine(cacheFolder, $"{model.Name}-v{BuiltInModel.GeneratorVersion}");
        if (Directory.Exists(folder))
        {
            return folder;
        }

        LogGenerating(model.Name, model.Description, folder);
        // Written aside and renamed into place, so a reader never sees half a model and two
        // processes generating at once both end with one complete copy.
        var staging = $"{folder}.{Guid.NewGuid():N}.partial";
        try
        {
            var started = Stopwatch.GetTimestamp();
            SyntheticCheckpoint.Write(model, staging, new GenerationProgressLog(model.Name, logger));
            Directory.Move(staging, folder);
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogGenerated(model.Name, elapsed.TotalSeconds);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            // Another process finished first; its copy is identical.
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return folder;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Generating built-in model {Model} ({Description}) into {Folder}")]
    private partial void LogGenerating(string model, string description, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Generated built-in model {Model} in {Seconds:F1} s")]
    private partial void LogGenerated(string model, double seconds);
}
