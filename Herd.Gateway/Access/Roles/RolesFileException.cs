namespace Herd.Gateway.Access.Roles;

/// <summary>A roles file that cannot be used; <see cref="Errors"/> lists every problem found, each with the file and, where known, its line and column.</summary>
public sealed class RolesFileException : Exception
{
    public RolesFileException()
    {
        SourceName = "";
        Errors = [];
    }

    public RolesFileException(string message)
        : base(message)
    {
        SourceName = "";
        Errors = [message];
    }

    public RolesFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        SourceName = "";
        Errors = [message];
    }

    public RolesFileException(string sourceName, IReadOnlyList<string> errors, Exception? innerException = null)
        : base(Describe(sourceName, errors), innerException)
    {
        SourceName = sourceName;
        Errors = errors;
    }

    /// <summary>The file's path, or the name the text was parsed under.</summary>
    public string SourceName { get; }

    public IReadOnlyList<string> Errors { get; }

    private static string Describe(string sourceName, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var count = errors.Count == 1 ? "1 error" : $"{errors.Count} errors";
        return $"The roles file {sourceName} cannot be used ({count}; fix it, or point Herd:Gateway:Access:RolesFile at another file):{Environment.NewLine}"
            + string.Join(Environment.NewLine, errors.Select(error => "  " + error));
    }
}
