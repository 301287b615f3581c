namespace Herd.Gateway.Prompts.SeedFile;

/// <summary>A prompts file that cannot be used; <see cref="Errors"/> lists every problem found, each with the file and, where known, its line and column.</summary>
public sealed class PromptFileException(string sourceName, IReadOnlyList<string> errors)
    : Exception(Describe(sourceName, errors))
{
    /// <summary>The file's path, or the name the text was parsed under.</summary>
    public string SourceName { get; } = sourceName;

    public IReadOnlyList<string> Errors { get; } = errors;

    private static string Describe(string sourceName, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var count = errors.Count == 1 ? "1 error" : $"{errors.Count} errors";
        return $"The prompts file {sourceName} cannot be used ({count}; fix it, or point Herd:Gateway:Prompts:SeedFile at another file, or set it empty for none):{Environment.NewLine}"
            + string.Join(Environment.NewLine, errors.Select(error => "  " + error));
    }
}
