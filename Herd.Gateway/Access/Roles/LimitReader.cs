using System.Globalization;
using System.Text.RegularExpressions;
using Herd.Gateway.Configuration.Yaml;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Access.Roles;

/// <summary>Reads a role's <c>limits</c>: a list of <c>{ requests: 20, per: 1h }</c> or <c>{ tokens: 6000, per: 1d }</c>.</summary>
internal static partial class LimitReader
{
    public const string Requests = "requests";
    public const string Tokens = "tokens";
    public const string Per = "per";

    /// <summary>The rules, or null when the list is not a list; items with errors are left out and reported.</summary>
    public static IReadOnlyList<LimitRule>? Read(YamlNode value, string field, RolesFileErrors errors)
    {
        if (value is not YamlSequenceNode list)
        {
            errors.Add(value, $"{field} must be a list such as [{{ requests: 20, per: 1h }}] (or [] for none), not {YamlValues.Show(value)}");
            return null;
        }

        var rules = new List<LimitRule>();
        foreach (var item in list.Children)
        {
            if (ReadRule(item, field, errors) is { } rule)
            {
                rules.Add(rule);
            }
        }

        return rules;
    }

    private static LimitRule? ReadRule(YamlNode item, string field, RolesFileErrors errors)
    {
        if (item is not YamlMappingNode settings)
        {
            errors.Add(item, $"{field}: each limit must be a map such as {{ requests: 20, per: 1h }}, not {YamlValues.Show(item)}");
            return null;
        }

        var errorsBefore = errors.Count;
        var counted = new List<(LimitKind Kind, long? Amount)>();
        TimeSpan? window = null;
        foreach (var (keyNode, value) in settings.Children)
        {
            switch ((keyNode as YamlScalarNode)?.Value)
            {
                case Requests:
                    counted.Add((LimitKind.Requests, ReadAmount(value, $"{field}: {Requests}", errors)));
                    break;
                case Tokens:
                    counted.Add((LimitKind.Tokens, ReadAmount(value, $"{field}: {Tokens}", errors)));
                    break;
                case Per:
                    window = ReadWindow(value, $"{field}: {Per}", errors);
                    break;
                default:
                    errors.Add(keyNode, $"{field}: unknown key {YamlValues.Show(keyNode)} in a limit; a limit has {Requests} or {Tokens}, and {Per}");
                    break;
            }
        }

        if (counted.Count != 1)
        {
            errors.Add(item, $"{field}: each limit must have exactly one of {Requests} or {Tokens}, this one has {(counted.Count == 0 ? "neither" : "both")}");
        }

        if (!settings.Children.ContainsKey(new YamlScalarNode(Per)))
        {
            errors.Add(item, $"{field}: each limit needs {Per}, the window it counts over, such as 1h");
        }

        return errors.Count == errorsBefore && counted is [(var kind, long amount)] && window is { } per
            ? new LimitRule(kind, amount, per)
            : null;
    }

    private static long? ReadAmount(YamlNode value, string field, RolesFileErrors errors)
    {
        if (value is YamlScalarNode { Value: { } text }
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var amount)
            && amount > 0)
        {
            return amount;
        }

        errors.Add(value, $"{field} must be a whole number above 0, not {YamlValues.Show(value)}");
        return null;
    }

    private static TimeSpan? ReadWindow(YamlNode value, string field, RolesFileErrors errors)
    {
        if (value is YamlScalarNode { Value: { } text } && TryParseWindow(text, out var window))
        {
            if (window >= LimitRule.MinimumWindow)
            {
                return window;
            }

            errors.Add(value, $"{field} must be at least {LimitRule.MinimumWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s, not {YamlValues.Show(value)}");
            return null;
        }

        errors.Add(value, $"{field} must be a whole number and a unit, s, m, h or d (90s, 30m, 1h, 7d), not {YamlValues.Show(value)}");
        return null;
    }

    /// <summary>Reads a window written as a whole number and a unit: <c>90s</c>, <c>30m</c>, <c>1h</c>, <c>7d</c>.</summary>
    public static bool TryParseWindow(string text, out TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(text);
        window = default;
        var match = WindowPattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups["count"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            return false;
        }

        var unit = match.Groups["unit"].Value switch
        {
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => TimeSpan.FromDays(1),
        };
        if (count > TimeSpan.MaxValue.Ticks / unit.Ticks)
        {
            return false;
        }

        window = TimeSpan.FromTicks(count * unit.Ticks);
        return true;
    }

    [GeneratedRegex(@"^(?<count>[0-9]+)(?<unit>[smhd])\z", RegexOptions.CultureInvariant)]
    private static partial Regex WindowPattern();
}
