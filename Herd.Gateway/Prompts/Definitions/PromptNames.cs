using System.Text.RegularExpressions;

namespace Herd.Gateway.Prompts.Definitions;

/// <summary>The shapes of the names the prompt repository uses: prompt ids, versions, stages and variables.</summary>
public static partial class PromptNames
{
    public const string IdShape = "1 to 64 lowercase letters, digits or '_', starting with a letter";
    public const string VersionShape = "1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit";
    public const string StageShape = "1 to 32 lowercase letters, digits or '-', starting with a letter";
    public const string VariableShape = "1 to 64 letters, digits or '_', starting with a letter";

    /// <summary>The stage of a version published without one through the API.</summary>
    public const string DefaultStage = "dev";

    /// <summary>The stage of a version in the seed file that names none: the operator's file is the herd's published set.</summary>
    public const string SeedStage = "prod";

    /// <summary>The stage a version is published on: <paramref name="stage"/>, or <see cref="DefaultStage"/> when it is empty.</summary>
    public static string StageOrDefault(string stage) => string.IsNullOrEmpty(stage) ? DefaultStage : stage;

    public static bool IsId(string? text) => text is not null && Id().IsMatch(text);

    public static bool IsVersion(string? text) => text is not null && Version().IsMatch(text);

    public static bool IsStage(string? text) => text is not null && Stage().IsMatch(text);

    public static bool IsVariable(string? text) => text is not null && Variable().IsMatch(text);

    // \z, not $: $ would let a trailing newline through.
    [GeneratedRegex(@"^[a-z][a-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Id();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Version();

    [GeneratedRegex(@"^[a-z][a-z0-9-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Stage();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Variable();
}
