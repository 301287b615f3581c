using System.CommandLine;
using System.CommandLine.Parsing;

namespace Herd.Gateway.Cli;

/// <summary>
/// The gateway settings that may follow a command, written as the gateway reads them from its own
/// command line (<c>--ConnectionStrings:ledger=...</c>, or the key and the value as two words); the
/// command passes them to its configuration untouched. A word that is neither a setting nor a
/// setting's value would be dropped by configuration without a word, so it is refused.
/// </summary>
internal static class GatewaySettings
{
    public static Argument<string[]> Create()
    {
        var settings = new Argument<string[]>("gateway settings")
        {
            Description = "Settings as the gateway takes them, such as --ConnectionStrings:ledger=\"Host=...\"; the gateway's appsettings.json and environment apply too.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        settings.Validators.Add(RefuseStrayWords);
        return settings;
    }

    private static void RefuseStrayWords(ArgumentResult result)
    {
        var words = result.Tokens;
        for (var index = 0; index < words.Count; index++)
        {
            var word = words[index].Value;
            if (!word.StartsWith('-') && !word.StartsWith('/'))
            {
                result.AddError($"Unexpected argument '{word}': give the command's options by name (see --help), and gateway settings as --Key=value or --Key value.");
                return;
            }

            if (!word.Contains('=', StringComparison.Ordinal))
            {
                // --Key value: the next word is this setting's value.
                index++;
            }
        }
    }
}
