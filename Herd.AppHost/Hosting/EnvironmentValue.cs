namespace Herd.AppHost.Hosting;

/// <summary>
/// The value of an environment variable of a resource, as the herd running here sees it and as
/// a published manifest writes it (an Aspire expression such as <c>{node-secret.value}</c>).
/// </summary>
public abstract record EnvironmentValue
{
    public static implicit operator EnvironmentValue(string value) => new Literal(value);

    /// <summary>The value for one replica's process when the herd runs here.</summary>
    public abstract string Resolve(int replica);

    /// <summary>A fixed value, the same everywhere.</summary>
    public sealed record Literal(string Value) : EnvironmentValue
    {
        public override string Resolve(int replica) => Value;
    }

    /// <summary>The value of a parameter resource; published as a reference to it, never as the value itself.</summary>
    public sealed record ParameterReference(HerdResource Parameter) : EnvironmentValue
    {
        public override string Resolve(int replica) => Parameter.Value!();
    }

    /// <summary>A folder of this machine that the process reads; published, the folder is mounted at <paramref name="MountPath"/>.</summary>
    public sealed record MountedFolder(string HostPath, string MountPath) : EnvironmentValue
    {
        public override string Resolve(int replica) => HostPath;
    }

    /// <summary>A value that only makes sense on this machine (a file of the working copy, a port): left out when published.</summary>
    public sealed record LocalOnly(Func<int, string> Value) : EnvironmentValue
    {
        public override string Resolve(int replica) => Value(replica);
    }
}
