// The two questions the rule engine asks about places (its `RegionLookup` port), answered from
// the GB/T 2260 table. A place that cannot be resolved never counts as a contradiction: only a
// location known to lie outside the destination does.
import { regionContains, regionOf } from './match.ts';

export const GBT2260_REGION_LOOKUP = {
  /** The city code, else the province code, of the place a location text names. */
  regionOf(location: string): string | undefined {
    const region = regionOf(location);
    return region?.cityCode ?? region?.provinceCode;
  },
  regionContains(destination: string, region: string): boolean {
    return regionContains(destination, region) !== false;
  },
};
