-- Copy chains: each copy, the outlet it copied and the first holder of the text.
SELECT outlet, copy_of_outlet, original_outlet, depth, chain
FROM copy_chains
ORDER BY depth DESC, outlet, original_outlet;
