/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query AppTraffic($filter: TrafficFilter, $first: Int) {\n    applicationTraffic(filter: $filter, first: $first) {\n      application\n      flows\n      bytesSent\n      sites\n      paths\n    }\n  }\n": typeof types.AppTrafficDocument,
    "\n  query PathFlows($id: ID!) {\n    path(id: $id) {\n      id\n      currentFlows {\n        reportedBy\n        src\n        dst\n        srcPort\n        dstPort\n        protocol\n        application\n        class\n        policy\n        serverName\n        txBytes\n        rxBytes\n        txPackets\n        rxPackets\n        startedAt\n        windowStart\n        windowEnd\n      }\n    }\n  }\n": typeof types.PathFlowsDocument,
    "\n  query NetworkList {\n    networks {\n      name\n    }\n  }\n": typeof types.NetworkListDocument,
    "\n  query ClientTestSites {\n    sites {\n      name\n    }\n  }\n": typeof types.ClientTestSitesDocument,
    "\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n": typeof types.LivePathEventsDocument,
    "\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n": typeof types.LiveSiteEventsDocument,
    "\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n": typeof types.LiveSteeringEventsDocument,
    "\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.NetworkPathsDocument,
    "\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n": typeof types.NetworkSitesDocument,
    "\n  query AuditLogPage($filter: AuditFilter, $first: Int!, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AuditLogPageDocument,
    "\n  query JoinTokens($first: Int!, $after: String) {\n    joinTokens(first: $first, after: $after) {\n      nodes {\n        id\n        site\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n  }\n": typeof types.JoinTokensDocument,
    "\n  mutation CreateJoinToken($site: String!, $ttl: Duration) {\n    createJoinToken(site: $site, ttl: $ttl) {\n      secret\n      token {\n        id\n        site\n        expiresAt\n      }\n    }\n  }\n": typeof types.CreateJoinTokenDocument,
    "\n  mutation RevokeJoinToken($id: String!) {\n    revokeJoinToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeJoinTokenDocument,
    "\n  query EventLog($filter: SteeringEventFilter, $first: Int!, $after: String) {\n    steeringEvents(filter: $filter, first: $first, after: $after) {\n      nodes {\n        nodeId\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.EventLogDocument,
    "\n  subscription EventLogSteering($site: String) {\n    steeringEvents(site: $site) {\n      at\n      site\n      pathId\n      kind\n      reason\n      flowsMoved\n    }\n  }\n": typeof types.EventLogSteeringDocument,
    "\n  subscription EventLogSites($site: String) {\n    siteEvents(site: $site) {\n      site\n      online\n      at\n    }\n  }\n": typeof types.EventLogSitesDocument,
    "\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.RecentSteeringDocument,
    "\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n": typeof types.PathDetailDocument,
    "\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n": typeof types.PathSteeringDocument,
    "\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n": typeof types.PathReportsDocument,
    "\n  query PolicyEditor {\n    policySet {\n      revision\n      updatedAt\n      slaClasses {\n        name\n        maxLatency\n        maxJitter\n        maxLossPct\n      }\n      applications {\n        name\n        class\n        match {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n        matchAny {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n      }\n      disableBuiltinApplications\n      policies {\n        name\n        slaClass\n        colors\n        mode\n        match {\n          applications\n          classes\n        }\n        compression\n      }\n      steering {\n        damping\n        holdDown\n        marginScore\n        flapPenalty\n        flapSuppress\n        flapReuse\n        flapMax\n        flapHalfLife\n        flowIdle\n      }\n      qualityModel {\n        degradedBelowScore\n        recoverAtScore\n      }\n    }\n    slaClasses {\n      name\n      maxLatency\n      maxJitter\n      maxLossPct\n      builtin\n    }\n    applications {\n      name\n      class\n      builtin\n    }\n  }\n": typeof types.PolicyEditorDocument,
    "\n  mutation SetPolicies($policySet: PolicySetInput!, $expectedRevision: Int) {\n    setPolicySet(policySet: $policySet, expectedRevision: $expectedRevision) {\n      revision\n      updatedAt\n    }\n  }\n": typeof types.SetPoliciesDocument,
    "\n  query PolicyAudit {\n    auditLog(filter: { action: \"policy.set\" }, first: 20) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n    }\n  }\n": typeof types.PolicyAuditDocument,
    "\n  subscription PolicyRevisions {\n    configRevisions {\n      revision\n      at\n    }\n  }\n": typeof types.PolicyRevisionsDocument,
    "\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n": typeof types.SiteDetailDocument,
    "\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n": typeof types.RevokeSiteDocument,
    "\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n": typeof types.DeleteSiteDocument,
    "\n  query UsersAndKeys {\n    users(first: 200) {\n      nodes {\n        name\n        role\n        source\n        mfaEnabled\n        createdAt\n        disabledAt\n        lastLogin\n      }\n      totalCount\n    }\n    apiKeys(first: 200) {\n      nodes {\n        id\n        name\n        role\n        owner\n        createdAt\n        expiresAt\n        lastUsed\n        revokedAt\n      }\n      totalCount\n    }\n  }\n": typeof types.UsersAndKeysDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      name\n      role\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation UpdateUser($name: String!, $input: UpdateUserInput!) {\n    updateUser(name: $name, input: $input) {\n      name\n      role\n      disabledAt\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  mutation DeleteUser($name: String!) {\n    deleteUser(name: $name) {\n      deletedNodeId\n    }\n  }\n": typeof types.DeleteUserDocument,
    "\n  mutation CreateAPIKey($name: String!, $role: Role!, $expiresAt: Time) {\n    createAPIKey(name: $name, role: $role, expiresAt: $expiresAt) {\n      secret\n      apiKey {\n        id\n        name\n        role\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeAPIKey($id: String!) {\n    revokeAPIKey(id: $id) {\n      deletedNodeId\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
};
const documents: Documents = {
    "\n  query AppTraffic($filter: TrafficFilter, $first: Int) {\n    applicationTraffic(filter: $filter, first: $first) {\n      application\n      flows\n      bytesSent\n      sites\n      paths\n    }\n  }\n": types.AppTrafficDocument,
    "\n  query PathFlows($id: ID!) {\n    path(id: $id) {\n      id\n      currentFlows {\n        reportedBy\n        src\n        dst\n        srcPort\n        dstPort\n        protocol\n        application\n        class\n        policy\n        serverName\n        txBytes\n        rxBytes\n        txPackets\n        rxPackets\n        startedAt\n        windowStart\n        windowEnd\n      }\n    }\n  }\n": types.PathFlowsDocument,
    "\n  query NetworkList {\n    networks {\n      name\n    }\n  }\n": types.NetworkListDocument,
    "\n  query ClientTestSites {\n    sites {\n      name\n    }\n  }\n": types.ClientTestSitesDocument,
    "\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n": types.LivePathEventsDocument,
    "\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n": types.LiveSiteEventsDocument,
    "\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n": types.LiveSteeringEventsDocument,
    "\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.NetworkPathsDocument,
    "\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n": types.NetworkSitesDocument,
    "\n  query AuditLogPage($filter: AuditFilter, $first: Int!, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AuditLogPageDocument,
    "\n  query JoinTokens($first: Int!, $after: String) {\n    joinTokens(first: $first, after: $after) {\n      nodes {\n        id\n        site\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n  }\n": types.JoinTokensDocument,
    "\n  mutation CreateJoinToken($site: String!, $ttl: Duration) {\n    createJoinToken(site: $site, ttl: $ttl) {\n      secret\n      token {\n        id\n        site\n        expiresAt\n      }\n    }\n  }\n": types.CreateJoinTokenDocument,
    "\n  mutation RevokeJoinToken($id: String!) {\n    revokeJoinToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeJoinTokenDocument,
    "\n  query EventLog($filter: SteeringEventFilter, $first: Int!, $after: String) {\n    steeringEvents(filter: $filter, first: $first, after: $after) {\n      nodes {\n        nodeId\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.EventLogDocument,
    "\n  subscription EventLogSteering($site: String) {\n    steeringEvents(site: $site) {\n      at\n      site\n      pathId\n      kind\n      reason\n      flowsMoved\n    }\n  }\n": types.EventLogSteeringDocument,
    "\n  subscription EventLogSites($site: String) {\n    siteEvents(site: $site) {\n      site\n      online\n      at\n    }\n  }\n": types.EventLogSitesDocument,
    "\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.RecentSteeringDocument,
    "\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n": types.PathDetailDocument,
    "\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n": types.PathSteeringDocument,
    "\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n": types.PathReportsDocument,
    "\n  query PolicyEditor {\n    policySet {\n      revision\n      updatedAt\n      slaClasses {\n        name\n        maxLatency\n        maxJitter\n        maxLossPct\n      }\n      applications {\n        name\n        class\n        match {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n        matchAny {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n      }\n      disableBuiltinApplications\n      policies {\n        name\n        slaClass\n        colors\n        mode\n        match {\n          applications\n          classes\n        }\n        compression\n      }\n      steering {\n        damping\n        holdDown\n        marginScore\n        flapPenalty\n        flapSuppress\n        flapReuse\n        flapMax\n        flapHalfLife\n        flowIdle\n      }\n      qualityModel {\n        degradedBelowScore\n        recoverAtScore\n      }\n    }\n    slaClasses {\n      name\n      maxLatency\n      maxJitter\n      maxLossPct\n      builtin\n    }\n    applications {\n      name\n      class\n      builtin\n    }\n  }\n": types.PolicyEditorDocument,
    "\n  mutation SetPolicies($policySet: PolicySetInput!, $expectedRevision: Int) {\n    setPolicySet(policySet: $policySet, expectedRevision: $expectedRevision) {\n      revision\n      updatedAt\n    }\n  }\n": types.SetPoliciesDocument,
    "\n  query PolicyAudit {\n    auditLog(filter: { action: \"policy.set\" }, first: 20) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n    }\n  }\n": types.PolicyAuditDocument,
    "\n  subscription PolicyRevisions {\n    configRevisions {\n      revision\n      at\n    }\n  }\n": types.PolicyRevisionsDocument,
    "\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n": types.SiteDetailDocument,
    "\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n": types.RevokeSiteDocument,
    "\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n": types.DeleteSiteDocument,
    "\n  query UsersAndKeys {\n    users(first: 200) {\n      nodes {\n        name\n        role\n        source\n        mfaEnabled\n        createdAt\n        disabledAt\n        lastLogin\n      }\n      totalCount\n    }\n    apiKeys(first: 200) {\n      nodes {\n        id\n        name\n        role\n        owner\n        createdAt\n        expiresAt\n        lastUsed\n        revokedAt\n      }\n      totalCount\n    }\n  }\n": types.UsersAndKeysDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      name\n      role\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation UpdateUser($name: String!, $input: UpdateUserInput!) {\n    updateUser(name: $name, input: $input) {\n      name\n      role\n      disabledAt\n    }\n  }\n": types.UpdateUserDocument,
    "\n  mutation DeleteUser($name: String!) {\n    deleteUser(name: $name) {\n      deletedNodeId\n    }\n  }\n": types.DeleteUserDocument,
    "\n  mutation CreateAPIKey($name: String!, $role: Role!, $expiresAt: Time) {\n    createAPIKey(name: $name, role: $role, expiresAt: $expiresAt) {\n      secret\n      apiKey {\n        id\n        name\n        role\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeAPIKey($id: String!) {\n    revokeAPIKey(id: $id) {\n      deletedNodeId\n    }\n  }\n": types.RevokeApiKeyDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AppTraffic($filter: TrafficFilter, $first: Int) {\n    applicationTraffic(filter: $filter, first: $first) {\n      application\n      flows\n      bytesSent\n      sites\n      paths\n    }\n  }\n"): (typeof documents)["\n  query AppTraffic($filter: TrafficFilter, $first: Int) {\n    applicationTraffic(filter: $filter, first: $first) {\n      application\n      flows\n      bytesSent\n      sites\n      paths\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PathFlows($id: ID!) {\n    path(id: $id) {\n      id\n      currentFlows {\n        reportedBy\n        src\n        dst\n        srcPort\n        dstPort\n        protocol\n        application\n        class\n        policy\n        serverName\n        txBytes\n        rxBytes\n        txPackets\n        rxPackets\n        startedAt\n        windowStart\n        windowEnd\n      }\n    }\n  }\n"): (typeof documents)["\n  query PathFlows($id: ID!) {\n    path(id: $id) {\n      id\n      currentFlows {\n        reportedBy\n        src\n        dst\n        srcPort\n        dstPort\n        protocol\n        application\n        class\n        policy\n        serverName\n        txBytes\n        rxBytes\n        txPackets\n        rxPackets\n        startedAt\n        windowStart\n        windowEnd\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NetworkList {\n    networks {\n      name\n    }\n  }\n"): (typeof documents)["\n  query NetworkList {\n    networks {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientTestSites {\n    sites {\n      name\n    }\n  }\n"): (typeof documents)["\n  query ClientTestSites {\n    sites {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription LivePathEvents($network: String!) {\n    pathEvents(network: $network) {\n      site\n      pathId\n      state\n      stateChanged\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      score\n      suppressed\n      activeFlows\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription LiveSiteEvents($network: String!) {\n    siteEvents(network: $network) {\n      site\n      online\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription LiveSteeringEvents($network: String!) {\n    steeringEvents(network: $network) {\n      site\n      pathId\n      kind\n      reason\n      policy\n      flowsMoved\n      from\n      to\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query NetworkPaths($first: Int, $after: String) {\n    paths(first: $first, after: $after) {\n      nodes {\n        id\n        siteA\n        linkA\n        siteB\n        linkB\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n        score\n        activeFlows\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n"): (typeof documents)["\n  query NetworkSites {\n    network {\n      name\n      topology\n      revision\n    }\n    sites {\n      name\n      role\n      state\n      online\n      lastSeen\n      links {\n        name\n        colour\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLogPage($filter: AuditFilter, $first: Int!, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditLogPage($filter: AuditFilter, $first: Int!, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JoinTokens($first: Int!, $after: String) {\n    joinTokens(first: $first, after: $after) {\n      nodes {\n        id\n        site\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query JoinTokens($first: Int!, $after: String) {\n    joinTokens(first: $first, after: $after) {\n      nodes {\n        id\n        site\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateJoinToken($site: String!, $ttl: Duration) {\n    createJoinToken(site: $site, ttl: $ttl) {\n      secret\n      token {\n        id\n        site\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateJoinToken($site: String!, $ttl: Duration) {\n    createJoinToken(site: $site, ttl: $ttl) {\n      secret\n      token {\n        id\n        site\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeJoinToken($id: String!) {\n    revokeJoinToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeJoinToken($id: String!) {\n    revokeJoinToken(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventLog($filter: SteeringEventFilter, $first: Int!, $after: String) {\n    steeringEvents(filter: $filter, first: $first, after: $after) {\n      nodes {\n        nodeId\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query EventLog($filter: SteeringEventFilter, $first: Int!, $after: String) {\n    steeringEvents(filter: $filter, first: $first, after: $after) {\n      nodes {\n        nodeId\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EventLogSteering($site: String) {\n    steeringEvents(site: $site) {\n      at\n      site\n      pathId\n      kind\n      reason\n      flowsMoved\n    }\n  }\n"): (typeof documents)["\n  subscription EventLogSteering($site: String) {\n    steeringEvents(site: $site) {\n      at\n      site\n      pathId\n      kind\n      reason\n      flowsMoved\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EventLogSites($site: String) {\n    siteEvents(site: $site) {\n      site\n      online\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription EventLogSites($site: String) {\n    siteEvents(site: $site) {\n      site\n      online\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentSteering($since: Time!, $first: Int, $after: String) {\n    steeringEvents(filter: { since: $since }, first: $first, after: $after) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PathDetail($id: ID!, $from: Time!, $to: Time!) {\n    path(id: $id) {\n      id\n      siteA\n      linkA\n      siteB\n      linkB\n      state\n      latencyMs\n      jitterMs\n      lossPct\n      measuredAt\n      bfdState\n      score\n      suppressed\n      activeFlows\n      reportedBy\n      history(from: $from, to: $to) {\n        resolution\n        points {\n          at\n          state\n          latencyMs\n          maxLatencyMs\n          jitterMs\n          lossPct\n          samples\n          downSamples\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n"): (typeof documents)["\n  query PathSteering($siteA: String!, $siteB: String!, $since: Time!) {\n    a: steeringEvents(filter: { site: $siteA, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n    b: steeringEvents(filter: { site: $siteB, since: $since }, first: 200) {\n      nodes {\n        at\n        site\n        pathId\n        kind\n        reason\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription PathReports($site: String!) {\n    pathEvents(site: $site, everyReport: true) {\n      pathId\n      state\n      bfdState\n      latencyMs\n      jitterMs\n      lossPct\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PolicyEditor {\n    policySet {\n      revision\n      updatedAt\n      slaClasses {\n        name\n        maxLatency\n        maxJitter\n        maxLossPct\n      }\n      applications {\n        name\n        class\n        match {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n        matchAny {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n      }\n      disableBuiltinApplications\n      policies {\n        name\n        slaClass\n        colors\n        mode\n        match {\n          applications\n          classes\n        }\n        compression\n      }\n      steering {\n        damping\n        holdDown\n        marginScore\n        flapPenalty\n        flapSuppress\n        flapReuse\n        flapMax\n        flapHalfLife\n        flowIdle\n      }\n      qualityModel {\n        degradedBelowScore\n        recoverAtScore\n      }\n    }\n    slaClasses {\n      name\n      maxLatency\n      maxJitter\n      maxLossPct\n      builtin\n    }\n    applications {\n      name\n      class\n      builtin\n    }\n  }\n"): (typeof documents)["\n  query PolicyEditor {\n    policySet {\n      revision\n      updatedAt\n      slaClasses {\n        name\n        maxLatency\n        maxJitter\n        maxLossPct\n      }\n      applications {\n        name\n        class\n        match {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n        matchAny {\n          cidrs\n          sourceCidrs\n          protocols\n          ports\n          dscp\n          domains\n        }\n      }\n      disableBuiltinApplications\n      policies {\n        name\n        slaClass\n        colors\n        mode\n        match {\n          applications\n          classes\n        }\n        compression\n      }\n      steering {\n        damping\n        holdDown\n        marginScore\n        flapPenalty\n        flapSuppress\n        flapReuse\n        flapMax\n        flapHalfLife\n        flowIdle\n      }\n      qualityModel {\n        degradedBelowScore\n        recoverAtScore\n      }\n    }\n    slaClasses {\n      name\n      maxLatency\n      maxJitter\n      maxLossPct\n      builtin\n    }\n    applications {\n      name\n      class\n      builtin\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPolicies($policySet: PolicySetInput!, $expectedRevision: Int) {\n    setPolicySet(policySet: $policySet, expectedRevision: $expectedRevision) {\n      revision\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation SetPolicies($policySet: PolicySetInput!, $expectedRevision: Int) {\n    setPolicySet(policySet: $policySet, expectedRevision: $expectedRevision) {\n      revision\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PolicyAudit {\n    auditLog(filter: { action: \"policy.set\" }, first: 20) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n    }\n  }\n"): (typeof documents)["\n  query PolicyAudit {\n    auditLog(filter: { action: \"policy.set\" }, first: 20) {\n      nodes {\n        id\n        at\n        actor\n        role\n        method\n        sourceIp\n        action\n        target\n        outcome\n        detail\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PolicyRevisions {\n    configRevisions {\n      revision\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription PolicyRevisions {\n    configRevisions {\n      revision\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n"): (typeof documents)["\n  query SiteDetail($name: String!) {\n    site(name: $name) {\n      name\n      role\n      state\n      publicKey\n      lastSeen\n      online\n      createdAt\n      links {\n        name\n        colour\n        cost\n        bandwidthKbps\n        endpoint\n        interface\n        listenPort\n      }\n      prefixes\n      paths {\n        id\n        state\n        latencyMs\n        jitterMs\n        lossPct\n        measuredAt\n        bfdState\n      }\n    }\n    steeringEvents(filter: { site: $name }, first: 30) {\n      nodes {\n        at\n        pathId\n        kind\n        reason\n        flowsMoved\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeSite($name: String!, $reason: String) {\n    revokeSite(name: $name, reason: $reason) {\n      name\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteSite($name: String!) {\n    deleteSite(name: $name) {\n      deletedNodeId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsersAndKeys {\n    users(first: 200) {\n      nodes {\n        name\n        role\n        source\n        mfaEnabled\n        createdAt\n        disabledAt\n        lastLogin\n      }\n      totalCount\n    }\n    apiKeys(first: 200) {\n      nodes {\n        id\n        name\n        role\n        owner\n        createdAt\n        expiresAt\n        lastUsed\n        revokedAt\n      }\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query UsersAndKeys {\n    users(first: 200) {\n      nodes {\n        name\n        role\n        source\n        mfaEnabled\n        createdAt\n        disabledAt\n        lastLogin\n      }\n      totalCount\n    }\n    apiKeys(first: 200) {\n      nodes {\n        id\n        name\n        role\n        owner\n        createdAt\n        expiresAt\n        lastUsed\n        revokedAt\n      }\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      name\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($name: String!, $input: UpdateUserInput!) {\n    updateUser(name: $name, input: $input) {\n      name\n      role\n      disabledAt\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($name: String!, $input: UpdateUserInput!) {\n    updateUser(name: $name, input: $input) {\n      name\n      role\n      disabledAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser($name: String!) {\n    deleteUser(name: $name) {\n      deletedNodeId\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteUser($name: String!) {\n    deleteUser(name: $name) {\n      deletedNodeId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAPIKey($name: String!, $role: Role!, $expiresAt: Time) {\n    createAPIKey(name: $name, role: $role, expiresAt: $expiresAt) {\n      secret\n      apiKey {\n        id\n        name\n        role\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateAPIKey($name: String!, $role: Role!, $expiresAt: Time) {\n    createAPIKey(name: $name, role: $role, expiresAt: $expiresAt) {\n      secret\n      apiKey {\n        id\n        name\n        role\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeAPIKey($id: String!) {\n    revokeAPIKey(id: $id) {\n      deletedNodeId\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeAPIKey($id: String!) {\n    revokeAPIKey(id: $id) {\n      deletedNodeId\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;