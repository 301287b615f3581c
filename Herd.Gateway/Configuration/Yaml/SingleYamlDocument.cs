using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Configuration.Yaml;

/// <summary>Reads the one YAML document an operator's file holds, reporting what keeps it from being read.</summary>
internal static class SingleYamlDocument
{
    private const string DuplicateKey = "Duplicate key ";

    /// <summary>The document's root node; null when the text is not valid YAML, holds several documents (both reported) or holds nothing (not reported: the caller decides).</summary>
    /// <param name="twiceHint">what the file's reader says after "'key' is written twice in the same map; "</param>
    /// <param name="oneDocumentHint">what the file's reader says after "the file holds N YAML documents; "</param>
    public static YamlNode? LoadRoot(string yaml, YamlFileErrors errors, string twiceHint, string oneDocumentHint)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException exception)
        {
            // YamlDotNet refuses a key written twice in one map.
            var problem = exception.Message.StartsWith(DuplicateKey, StringComparison.Ordinal)
                ? $"'{exception.Message[DuplicateKey.Length..]}' is written twice in the same map; {twiceHint}"
                : $"not valid YAML: {exception.Message}";
            errors.Add(exception.Start, problem);
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            errors.Add(stream.Documents[1].RootNode, $"the file holds {stream.Documents.Count} YAML documents; {oneDocumentHint}");
            return null;
        }

        return stream.Documents.Count == 0 || YamlValues.IsNull(stream.Documents[0].RootNode) ? null : stream.Documents[0].RootNode;
    }
}
