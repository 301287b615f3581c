using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Configuration.Yaml;

/// <summary>Collects a YAML file's problems, each prefixed with the file and the line and column it was found at, so an operator sees them all at once.</summary>
internal class YamlFileErrors(string sourceName)
{
    private readonly List<string> _errors = [];

    public int Count => _errors.Count;

    public IReadOnlyList<string> Messages => _errors;

    public string SourceName => sourceName;

    public void Add(YamlNode? at, string message) => Add(at?.Start, message);

    public void Add(Mark? at, string message) =>
        _errors.Add(at is { Line: > 0 } mark ? $"{sourceName}:{mark.Line}:{mark.Column}: {message}" : $"{sourceName}: {message}");
}
