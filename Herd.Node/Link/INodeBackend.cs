using System.Threading.Channels;
using Herd.Contracts.V1;
using Herd.Node.Serving;

namespace Herd.Node.Link;

/// <summary>
/// What serves the jobs that come over the node's links: the local engine (<see cref="LocalBackend"/>)
/// or an external provider. The links announce it, report its slots and run its jobs; they do not
/// know which it is.
/// </summary>
public interface INodeBackend
{
    /// <summary>Raised when what the node announces changed: a model loaded or unloaded, or a model's experts.</summary>
    event Action? AnnouncementChanged;

    /// <summary>It can serve jobs: for the local engine, its first model is loaded.</summary>
    bool IsReady { get; }

    /// <summary>Jobs it runs at once: the node's slots.</summary>
    int Slots { get; }

    /// <summary>What it runs on, as NodeHello says it: <c>cpu</c>, <c>cuda:0</c>, <c>provider</c>.</summary>
    string Device { get; }

    /// <summary>The model being loaded now and since when; null when none is.</summary>
    LoadingModel? Loading { get; }

    /// <summary>The names of the models it serves now.</summary>
    IReadOnlyList<string> ModelNames { get; }

    /// <summary>The models it may serve on command, loaded or not (the demand policy chooses among them).</summary>
    IReadOnlyList<string> Catalog { get; }

    /// <summary>Its models as the link announces them: names, contexts, adapters and experts.</summary>
    IReadOnlyList<Contracts.V1.ServedModel> Announcement();

    /// <summary>Makes the change a gateway asked for.</summary>
    /// <exception cref="ModelChangeException">The change was refused or failed; the message says why.</exception>
    Task ChangeModelsAsync(ModelCommand command, CancellationToken cancellationToken);

    /// <summary>Takes the herd's experts of one model it serves.</summary>
    Task UpdateExpertsAsync(HerdExperts experts);

    /// <summary>
    /// Runs one assigned job and writes what it produces to <paramref name="output"/>: TokenChunks,
    /// then JobFinished or JobFailed. Cancelling <paramref name="cancellationToken"/> stops it.
    /// </summary>
    Task RunAsync(Assign assign, ChannelWriter<NodeMessage> output, CancellationToken cancellationToken);
}
