namespace Scratch.Gpt.Plots;

/// <summary>A corner of a chart's plot area (where its legend goes).</summary>
public enum Corner
{
    /// <summary>The top right corner (the default).</summary>
    TopRight,

    /// <summary>The top left corner.</summary>
    TopLeft,

    /// <summary>The bottom right corner.</summary>
    BottomRight,

    /// <summary>The bottom left corner.</summary>
    BottomLeft,
}
