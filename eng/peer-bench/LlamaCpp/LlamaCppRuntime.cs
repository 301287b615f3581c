using System.Reflection;
using LLama.Native;

namespace Herd.PeerBench.LlamaCpp;

/// <summary>
/// Sets up LLamaSharp's native library once, before anything loads it: llama.cpp's warnings and
/// errors go to standard error, its chatter about every tensor does not.
/// </summary>
public static class LlamaCppRuntime
{
    private static readonly Lock Gate = new();
    private static bool _configured;

    public static void EnsureConfigured()
    {
        lock (Gate)
        {
            if (_configured)
            {
                return;
            }

            // The configuration can only change before the library loads.
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                NativeLibraryConfig.All.WithLogCallback((level, message) =>
                {
                    if (level is LLamaLogLevel.Warning or LLamaLogLevel.Error)
                    {
                        Console.Error.Write($"llama.cpp: {message}");
                    }
                });
            }

            // Loads the library now, as configured: LLamaSharp's parameter defaults call into it
            // directly, before anything else would have found and loaded it.
            NativeApi.llama_empty_call();
            _configured = true;
        }
    }

    /// <summary>LLamaSharp's version, which of its CPU builds was loaded (AVX-512, AVX2, ...), and what llama.cpp says of the CPU.</summary>
    public static string Describe()
    {
        EnsureConfigured();
        var version = typeof(LlamaCppRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "LLamaSharpVersion")?.Value ?? "(version unknown)";
        var build = NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata?.AvxLevel.ToString() ?? "unknown";
        var system = System.Runtime.InteropServices.Marshal.PtrToStringAnsi(NativeApi.llama_print_system_info()) ?? "";

        // llama.cpp separates its features with '|', which would split a Markdown cell.
        return $"LLamaSharp {version}, CPU build {build}; {system.Replace(" | ", ", ", StringComparison.Ordinal).Trim(' ', '|', ',')}";
    }
}
