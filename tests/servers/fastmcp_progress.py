"""A fastmcp server (for in-memory use) whose tool reports progress and logs through its Context."""

from fastmcp import Context, FastMCP

app = FastMCP("fast")


@app.tool
async def work(ctx: Context) -> str:
    for step in range(3):
        await ctx.report_progress(step + 1, 3, f"step {step + 1}")
    await ctx.info("halfway there")
    return "done"
