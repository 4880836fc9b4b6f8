/** React Router v7's behaviour, taken now (silences its warnings; links here are absolute). */
export const routerFuture = { v7_startTransition: true, v7_relativeSplatPath: true } as const;
