using Herd.Node.Experts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herd.Node.Serving;

/// <summary>The herd's experts (<c>herd.v1.Experts</c>), as the gateways send them.</summary>
public sealed partial class ServedModel
{
    private readonly SemaphoreSlim _expertsUpdate = new(1, 1);
    private ILogger _expertsLogger = NullLogger.Instance;

    /// <summary>Raised after <see cref="Experts"/> changed, so that the node can announce them again.</summary>
    public event Action? ExpertsChanged;

    /// <summary>
    /// Takes <paramref name="definitions"/> as the herd's experts when <paramref name="revision"/>
    /// is newer than those the node has (gateways send the same list, and an older one may come
    /// late), embedding their samples with the model; routed requests see them from then on.
    /// </summary>
    /// <returns>false when the revision was not newer and nothing changed</returns>
    public async Task<bool> UpdateHerdExpertsAsync(long revision, IReadOnlyList<ExpertDefinition> definitions, CancellationToken cancellationToken = default)
    {
        await _expertsUpdate.WaitAsync(cancellationToken);
        try
        {
            if (revision <= Experts.HerdRevision)
            {
                return false;
            }

            Experts = await Experts.WithHerdExpertsAsync(
                revision, definitions, _expertOptions, Adapters.Names, Config.HiddenSize, EmbedForRoutingAsync, _expertsLogger, cancellationToken);
        }
        finally
        {
            _expertsUpdate.Release();
        }

        ExpertsChanged?.Invoke();
        return true;
    }
}
