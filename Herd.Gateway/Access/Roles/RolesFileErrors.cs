using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Herd.Gateway.Access.Roles;

/// <summary>Collects a roles file's problems, each prefixed with the file and the line and column it was found at, so an operator sees them all at once.</summary>
internal sealed class RolesFileErrors(string sourceName)
{
    private readonly List<string> _errors = [];

    public int Count => _errors.Count;

    public void Add(YamlNode? at, string message) => Add(at?.Start, message);

    public void Add(Mark? at, string message) =>
        _errors.Add(at is { Line: > 0 } mark ? $"{sourceName}:{mark.Line}:{mark.Column}: {message}" : $"{sourceName}: {message}");

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw new RolesFileException(sourceName, _errors.ToArray());
        }
    }
}
