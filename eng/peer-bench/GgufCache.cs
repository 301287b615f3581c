using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Herd.Node.Models;
using Herd.PeerBench.Gguf;
using Microsoft.Extensions.Logging;

namespace Herd.PeerBench;

/// <summary>
/// A model's GGUF conversions, kept in Herd's model cache beside the models, one file per format:
/// <c>herd-bench-v1.q8_0.gguf</c> for a built-in model, <c>NAME-HASH.FORMAT.gguf</c> for a folder
/// elsewhere. A conversion older than any file of its model is made again.
/// </summary>
internal static partial class GgufCache
{
    /// <summary>The GGUF of <paramref name="modelFolder"/> in <paramref name="format"/>, converted first where needed.</summary>
    public static string Ensure(string modelFolder, GgufWeightFormat format, ILogger logger)
    {
        var path = PathFor(modelFolder, format);
        var newestSource = Directory.GetFiles(modelFolder).Max(File.GetLastWriteTimeUtc);
        if (File.Exists(path) && File.GetLastWriteTimeUtc(path) >= newestSource)
        {
            return path;
        }

        LogConverting(logger, modelFolder, format.Name, path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // Written aside and moved into place, so a run that stops half way leaves no GGUF behind.
        var staging = $"{path}.{Guid.NewGuid():N}.partial";
        var started = Stopwatch.GetTimestamp();
        try
        {
            LlamaGgufConverter.Convert(modelFolder, staging, format, new ConversionProgress(logger));
            File.Move(staging, path, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var megabytes = new FileInfo(path).Length / 1e6;
        LogConverted(logger, path, megabytes, elapsed.TotalSeconds);
        return path;
    }

    public static string PathFor(string modelFolder, GgufWeightFormat format)
    {
        var cache = Path.GetFullPath(ModelLocator.DefaultCacheFolder);
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelFolder));
        var name = Path.GetFileName(folder);
        var inCache = string.Equals(Path.GetDirectoryName(folder), Path.TrimEndingDirectorySeparator(cache), StringComparison.Ordinal);

        // Folders of the same name elsewhere must not share a conversion.
        var key = inCache ? name : $"{name}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..8]}";
        return Path.Combine(cache, $"{key}.{format.Name}.gguf");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Converting {Folder} to GGUF ({Format}) at {Path}")]
    private static partial void LogConverting(ILogger logger, string folder, string format, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Path} ({Megabytes:F0} MB) in {Seconds:F1} s")]
    private static partial void LogConverted(ILogger logger, string path, double megabytes, double seconds);

    /// <summary>Says how far a long conversion has come, at most every five seconds.</summary>
    private sealed partial class ConversionProgress(ILogger logger) : IProgress<double>
    {
        private long _lastLogged = Stopwatch.GetTimestamp();

        public void Report(double value)
        {
            if (Stopwatch.GetElapsedTime(_lastLogged) < TimeSpan.FromSeconds(5))
            {
                return;
            }

            _lastLogged = Stopwatch.GetTimestamp();
            LogProgress(logger, value);
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "Converting: {Share:P0} of the tensors written")]
        private static partial void LogProgress(ILogger logger, double share);
    }
}
