using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Herd.Node.Experts;

/// <summary>
/// The experts file: <c>experts:</c>, a list of <see cref="ExpertDefinition"/>s in snake_case
/// (name, adapter, description, samples, centroid, centroid_embedding).
/// </summary>
public static class ExpertFile
{
    private static readonly IDeserializer Reader = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnforceRequiredMembers()
        .Build();

    private static readonly ISerializer Writer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections)
        .Build();

    /// <exception cref="ExpertFileException">The file is missing or not a valid experts file; the message says where and why.</exception>
    public static IReadOnlyList<ExpertDefinition> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new ExpertFileException($"The experts file {path} (Herd:Node:Experts:File) does not exist.");
        }

        ExpertList? list;
        try
        {
            list = Reader.Deserialize<ExpertList?>(File.ReadAllText(path));
        }
        catch (YamlException error)
        {
            var inner = error.InnerException is { } cause ? $": {cause.Message}" : "";
            throw new ExpertFileException($"{path}:{error.Start.Line}:{error.Start.Column}: {error.Message}{inner}. An experts file holds 'experts:', a list of name, adapter, and samples or centroid.", error);
        }

        var experts = list?.Experts ?? [];
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < experts.Count; i++)
        {
            var expert = experts[i];
            var where = $"{path}: experts[{i}]" + (expert.Name.Length > 0 ? $" ('{expert.Name}')" : "");
            if (!ExpertNames.IsValid(expert.Name))
            {
                errors.Add($"{where}: name {(expert.Name.Length == 0 ? "is missing" : $"'{expert.Name}' is not allowed")}; a name is {ExpertNames.Shape}.");
            }
            else if (!names.Add(expert.Name))
            {
                errors.Add($"{where}: the name '{expert.Name}' is used twice.");
            }

            if (expert.Adapter.Length == 0)
            {
                errors.Add($"{where}: adapter is missing; name the adapter (a folder in Herd:Node:Adapters:Folder) the expert runs.");
            }

            if (expert.Samples.Count == 0 && expert.Centroid is null)
            {
                errors.Add($"{where}: give samples (instructions of the expert's kind) or a centroid.");
            }

            if (expert.Samples.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{where}: a sample is empty.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ExpertFileException(string.Join(Environment.NewLine, errors));
        }

        return experts;
    }

    /// <summary>Writes the experts back, centroids included, replacing the file.</summary>
    public static void Write(string path, IReadOnlyList<ExpertDefinition> experts) =>
        File.WriteAllText(path, Writer.Serialize(new ExpertList { Experts = [.. experts] }));

    private sealed class ExpertList
    {
        public List<ExpertDefinition> Experts { get; init; } = [];
    }
}
