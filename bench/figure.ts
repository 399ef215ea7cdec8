/** One measured figure. `target` states the goal it is checked against, e.g. ">= 300000". */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
}

export type Suite = () => Promise<Figure[]>;
