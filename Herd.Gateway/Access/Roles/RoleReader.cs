using System.Globalization;
using Herd.Gateway.Configuration.Yaml;
using Herd.Gateway.Queue;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Access.Roles;

/// <summary>Reads one role's settings from the roles file, reporting every problem it finds.</summary>
internal static class RoleReader
{
    public const string AllowModels = "allow_models";
    public const string AllowExperts = "allow_experts";
    public const string AllowNodeGroups = "allow_node_groups";
    public const string AllowMethods = "allow_methods";
    public const string AllowPrompts = "allow_prompts";
    public const string AllowTabs = "allow_tabs";
    public const string MaxPriority = "max_priority";
    public const string Limits = "limits";
    public const string Budget = "budget";

    private static readonly string KnownKeys = string.Join(", ", AllowModels, AllowExperts, AllowNodeGroups, AllowMethods, AllowPrompts, AllowTabs, MaxPriority, Limits, Budget);

    /// <summary>The role, or null when its settings have errors (added to <paramref name="errors"/>).</summary>
    public static Role? Read(string name, YamlNode body, RolesFileErrors errors)
    {
        // A role written with no settings at all keeps every default, which allows no method.
        if (YamlValues.IsNull(body))
        {
            return new Role(name);
        }

        if (body is not YamlMappingNode settings)
        {
            errors.Add(body, $"role '{name}' must be a map of settings ({KnownKeys}), not {YamlValues.Show(body)}");
            return null;
        }

        var errorsBefore = errors.Count;
        var models = NamePatterns.All;
        var experts = NamePatterns.All;
        var nodeGroups = NamePatterns.All;
        var methods = NamePatterns.None;
        var prompts = NamePatterns.All;
        var tabs = NamePatterns.None;
        var maxPriority = Role.HighestPriority;
        IReadOnlyList<LimitRule> limits = [];
        decimal? budget = null;
        foreach (var (keyNode, value) in settings.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            var field = $"role '{name}': {key}";
            switch (key)
            {
                case AllowModels:
                    models = ReadPatterns(value, field, errors) ?? models;
                    break;
                case AllowExperts:
                    experts = ReadPatterns(value, field, errors) ?? experts;
                    break;
                case AllowNodeGroups:
                    nodeGroups = ReadPatterns(value, field, errors, PatternKind.NodeGroups) ?? nodeGroups;
                    break;
                case AllowMethods:
                    methods = ReadPatterns(value, field, errors, PatternKind.Methods) ?? methods;
                    break;
                case AllowPrompts:
                    prompts = ReadPatterns(value, field, errors) ?? prompts;
                    break;
                case AllowTabs:
                    tabs = ReadPatterns(value, field, errors, PatternKind.Tabs) ?? tabs;
                    break;
                case MaxPriority:
                    maxPriority = ReadMaxPriority(value, field, errors) ?? maxPriority;
                    break;
                case Limits:
                    limits = LimitReader.Read(value, field, errors) ?? limits;
                    break;
                case Budget:
                    budget = ReadBudget(value, field, errors);
                    break;
                default:
                    errors.Add(keyNode, $"role '{name}': unknown key {YamlValues.Show(keyNode)}; a role may have {KnownKeys}");
                    break;
            }
        }

        return errors.Count > errorsBefore
            ? null
            : new Role(name)
            {
                Models = models,
                Experts = experts,
                NodeGroups = nodeGroups,
                Methods = methods,
                Prompts = prompts,
                Tabs = tabs,
                MaxPriority = maxPriority,
                Limits = limits,
                Budget = budget,
            };
    }

    private static NamePatterns? ReadPatterns(YamlNode value, string field, RolesFileErrors errors, PatternKind kind = PatternKind.Names)
    {
        if (value is not YamlSequenceNode list)
        {
            errors.Add(value, $"{field} must be a list of name patterns such as [\"*\"] (or [] for none), not {YamlValues.Show(value)}");
            return null;
        }

        var patterns = new List<string>();
        foreach (var item in list.Children)
        {
            var pattern = item is YamlScalarNode { Value: { } text } && !YamlValues.IsNull(item)
                ? (kind == PatternKind.Methods ? Role.WithoutLeadingSlash(text) : text)
                : "";
            if (pattern.Length == 0)
            {
                errors.Add(item, $"{field}: each pattern must be a non-empty name, '*' standing for any characters, not {YamlValues.Show(item)}");
            }
            else if (kind == PatternKind.NodeGroups && !NodeGroupPatterns.IsValidPattern(pattern))
            {
                // The queue keeps jobs by these patterns; one it cannot hold would fail every request of the role.
                errors.Add(item, $"{field}: '{pattern}' is not a node group pattern; use lowercase letters, digits, '.', '_', '-' and '*' (up to 63 characters)");
            }
            else if (kind == PatternKind.Methods && !pattern.Contains('/', StringComparison.Ordinal) && !pattern.Contains('*', StringComparison.Ordinal))
            {
                // A bare service name matches no method, which would silently allow nothing.
                errors.Add(item, $"{field}: '{pattern}' names no method; write 'service/method', '{pattern}/*' for every method of a service, or '*' for all methods");
            }
            else if (kind == PatternKind.Tabs && !TabNames.All.Any(tab => NamePatterns.IsMatch(pattern, tab)))
            {
                // A misspelt tab would silently hide it from everyone of the role.
                errors.Add(item, $"{field}: '{pattern}' names no tab of the web app; the tabs are {string.Join(", ", TabNames.All)} ('*' for all)");
            }
            else
            {
                patterns.Add(pattern);
            }
        }

        return new NamePatterns(patterns);
    }

    private static int? ReadMaxPriority(YamlNode value, string field, RolesFileErrors errors)
    {
        if (value is YamlScalarNode { Value: { } text }
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority)
            && priority is >= 0 and <= Role.HighestPriority)
        {
            return priority;
        }

        errors.Add(value, $"{field} must be a whole number from 0 to {Role.HighestPriority}, not {YamlValues.Show(value)}");
        return null;
    }

    private static decimal? ReadBudget(YamlNode value, string field, RolesFileErrors errors)
    {
        if (value is YamlScalarNode { Value: { } text }
            && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var budget)
            && budget >= 0)
        {
            return budget;
        }

        errors.Add(value, $"{field} must be an amount of 0 or more such as 10.00 (omit it for no budget), not {YamlValues.Show(value)}");
        return null;
    }

    private enum PatternKind
    {
        Names,
        Methods,
        NodeGroups,
        Tabs,
    }
}
