using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Node.Link;
using Herd.Node.Serving;
using Microsoft.Extensions.Options;

namespace Herd.Node.Providers;

/// <summary>
/// A provider node as its links see it: it announces the herd names of
/// <see cref="ProviderOptions.Models"/>, has <see cref="ProviderOptions.Concurrency"/> slots, is
/// ready from the start (it loads nothing), refuses model commands, and runs each job on the provider.
/// </summary>
public sealed class ProviderBackend(IOptions<ProviderOptions> options, ProviderJobRunner runner) : INodeBackend
{
    public const string DeviceName = "provider";

    /// <summary>Never raised: a provider node's models change only with its configuration.</summary>
    public event Action? AnnouncementChanged
    {
        add { }
        remove { }
    }

    public bool IsReady => true;

    public int Slots => options.Value.Concurrency;

    public string Device => DeviceName;

    public LoadingModel? Loading => null;

    public IReadOnlyList<string> ModelNames => [.. options.Value.Models.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Its mapped models and no others: nothing can be loaded onto a provider node.</summary>
    public IReadOnlyList<string> Catalog => ModelNames;

    public IReadOnlyList<Contracts.V1.ServedModel> Announcement() =>
        [.. ModelNames.Select(name => new Contracts.V1.ServedModel
        {
            Name = name,
            ContextLength = options.Value.ContextLengths.TryGetValue(name, out var length) ? length : options.Value.ContextLength,
        })];

    public Task ChangeModelsAsync(ModelCommand command, CancellationToken cancellationToken) =>
        Task.FromException(new ModelChangeException(ModelChangeProblem.Fixed, "A provider node serves its mapped models; change Herd:Node:Provider:Models and restart the node."));

    /// <summary>Nothing to take: experts run herd adapters, which a provider does not have.</summary>
    public Task UpdateExpertsAsync(HerdExperts experts) => Task.CompletedTask;

    public Task RunAsync(Assign assign, ChannelWriter<NodeMessage> output, CancellationToken cancellationToken) =>
        runner.RunAsync(assign, output, cancellationToken);
}
