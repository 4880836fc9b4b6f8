import { useQuery } from "urql";
import { graphql } from "../gql";
import { useNetwork } from "../graphql/network";

export const NetworkList = graphql(`
  query NetworkList {
    networks {
      name
    }
  }
`);

/** Chooses the network every page shows; shown only when there is more than one. */
export function NetworkSelect() {
  const { network, setNetwork } = useNetwork();
  const [r] = useQuery({ query: NetworkList });
  const names = r.data?.networks.map((n) => n.name) ?? [];
  if (names.length < 2 && (names.length === 0 || names[0] === network)) return null;
  if (!names.includes(network)) names.push(network);
  return (
    <label className="network-select">
      Network{" "}
      <select value={network} onChange={(e) => setNetwork(e.target.value)}>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
