using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Configuration.Yaml;

/// <summary>Small readings of YAML nodes shared by the readers of the gateway's YAML files (roles, prompts).</summary>
internal static class YamlValues
{
    /// <summary>Whether the node is YAML's null: nothing written, <c>~</c> or <c>null</c> unquoted.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>The node as an error message should show it: a scalar's text, otherwise its kind.</summary>
    public static string Show(YamlNode node) => node switch
    {
        _ when IsNull(node) => "nothing",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a map",
        _ => node.NodeType.ToString(),
    };
}
