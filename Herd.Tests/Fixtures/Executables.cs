namespace Herd.Tests.Fixtures;

internal static class Executables
{
    /// <summary>The first of PATH's <paramref name="name"/> and <paramref name="fallbacks"/> that exists.</summary>
    public static string? Find(string name, params string[] fallbacks)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .Concat(fallbacks)
            .FirstOrDefault(File.Exists);
    }
}
