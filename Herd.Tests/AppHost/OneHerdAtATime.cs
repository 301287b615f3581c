namespace Herd.Tests.AppHost;

/// <summary>App host tests run one at a time: each starts DCP and a whole herd, which is what two cores can carry.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneHerdAtATime
{
    public const string Name = "app host";
}
