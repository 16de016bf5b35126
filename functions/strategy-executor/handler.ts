export const handler = async () => {
  throw new Error('strategy-executor not built yet');
};
